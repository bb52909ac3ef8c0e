import { stemmer } from 'stemmer';
import { loadSynonyms } from '../../../core/src/index.js';

/**
 * The listing index's text analysis, approximated in process (core/src/index-definition.ts:
 * standard tokenizer, english_possessive, lowercase, asciifolding, synonyms at search time,
 * porter_stem), for one purpose: deciding whether a changed listing *may* match a cached query
 * (query-api/src/cache/entry-scope.ts). Wherever the approximation could disagree with Elasticsearch it
 * errs towards "may match": several tokenizations, raw words beside stems, synonyms of every query word,
 * the typos Elasticsearch allows. A false "may match" costs one recomputation; a false "no" would
 * leave a new listing hidden behind a cached page. query-api/test/freshness-matcher.int.test.ts checks the
 * approximation against Elasticsearch itself.
 */

/** What asciifolding maps that Unicode decomposition (NFKD) does not. */
const FOLDS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', þ: 'th', ð: 'd', ı: 'i' };

function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøđłþðı]/g, (c) => FOLDS[c] ?? c);
}

/**
 * Words as the standard tokenizer may cut them: on every non-alphanumeric character ("o'neill" -> o,
 * neill), and keeping the word-internal apostrophes, dots and underscores it keeps ("o'neill", "u.s.a",
 * "12.5", "foo_bar"), possessive 's removed.
 */
function words(text: string): string[] {
  const folded = fold(text);
  const out = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  for (const w of folded.split(/[^\p{L}\p{N}'._]+/u)) {
    const trimmed = w.replace(/^['._]+|['._]+$/g, '').replace(/'s$/, '');
    if (trimmed && /['._]/.test(trimmed)) out.push(trimmed);
  }
  return out;
}

/** A word and its Porter stem (the form Elasticsearch indexes in the stemmed fields). */
const forms = (w: string) => {
  const stem = stemmer(w);
  return stem === w ? [w] : [w, stem];
};

/** Every term a listing's text may be indexed as: raw folded words (unstemmed fields) and their stems. */
export function listingTerms(texts: Array<string | undefined>): Set<string> {
  const terms = new Set<string>();
  for (const t of texts) if (t) for (const w of words(t)) for (const f of forms(w)) terms.add(f);
  return terms;
}

/** Synonym rules as word sets: every word of a rule stands for all of them (search-time synonym_graph). */
const SYNONYM_WORDS: Map<string, string[]> = (() => {
  const byWord = new Map<string, Set<string>>();
  for (const rule of loadSynonyms()) {
    const all = words(rule.replace('=>', ','));
    for (const w of all) {
      let set = byWord.get(w);
      if (!set) byWord.set(w, (set = new Set()));
      for (const other of all) set.add(other);
    }
  }
  return new Map([...byWord].map(([w, set]) => [w, [...set]]));
})();

/** How many of a query's groups must match: one way of counting its words, see queryTerms. */
export interface TermGroups {
  groups: string[][];
  required: number;
}

/**
 * A query's terms counted two ways, since the search matches if either clause does (text-query.ts):
 * per token (the field-centric clause: Elasticsearch's analyzer splits "t-shirt" in two) and per
 * whitespace word (the word-centric clause; a word also stands for its joined forms, "o'neill" for
 * "oneill"). Each group holds the forms it may match: the word, its stem, and the words (and stems) of
 * every synonym rule it appears in. `required` mirrors minimum_should_match "2<75%" (up to two all,
 * else three in four, rounded down), less one for every group a synonym rule may rewrite (a multi-word
 * synonym changes how many clauses the query has).
 */
export function queryTerms(q: string): TermGroups[] {
  const share = (n: number) => (n <= 2 ? n : Math.floor(n * 0.75));
  const expand = (ws: string[]) => {
    const alternatives = new Set<string>();
    for (const w of ws)
      for (const v of [w, ...(SYNONYM_WORDS.get(w) ?? [])]) for (const f of forms(v)) alternatives.add(f);
    return [...alternatives];
  };
  const counted = (units: string[][], rewritten: number): TermGroups => ({
    groups: units.map(expand),
    required: Math.max(1, share(units.length) - rewritten),
  });
  const tokens = [
    ...new Set(
      fold(q)
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean),
    ),
  ];
  const rawWords = [
    ...new Set(
      fold(q)
        .split(/\s+/)
        .filter((w) => /[\p{L}\p{N}]/u.test(w)),
    ),
  ];
  const wordUnits = rawWords.map((w) => [...words(w), w.replace(/[^\p{L}\p{N}]+/gu, '')]);
  return [
    counted(
      tokens.map((t) => [t]),
      tokens.filter((t) => SYNONYM_WORDS.has(t)).length,
    ),
    counted(wordUnits, wordUnits.filter((u) => u.some((w) => SYNONYM_WORDS.has(w))).length),
  ];
}

/**
 * Whether query term `q` may match listing term `t`: equal, or within the typos the search allows
 * (fuzziness AUTO:4,8 on the query term: none under 4 characters, 1 up to 7, 2 from 8; the first
 * character fixed). Both sides carry raw words beside stems, so a word our Porter stemmer (npm
 * `stemmer`) and Lucene's would stem differently still meets its twin unstemmed; one more typo "to be
 * safe" was tried and made short words match nearly anything ("hood" and "home").
 */
export function mayMatchTerm(q: string, t: string): boolean {
  if (q === t) return true;
  if (q.length < 4 || q[0] !== t[0]) return false;
  const allowed = q.length < 8 ? 1 : 2;
  return Math.abs(q.length - t.length) <= allowed && editDistanceWithin(q, t, allowed);
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, as Lucene's fuzzy query
 * counts them) <= max, stopping as soon as a row exceeds it. Hand-written: the kept npm packages
 * compute plain Levenshtein without transpositions and without the early exit this hot loop needs.
 */
export function editDistanceWithin(a: string, b: string, max: number): boolean {
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return false;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]! <= max;
}
