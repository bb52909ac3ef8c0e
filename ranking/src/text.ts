/** The tokenizer every text feature shares: training and serving see words the same way. */

/**
 * English plurals to singular, just enough that "batteries" meets "battery", "cases" meets "case" and
 * "watches" meets "watch" ("-es" after ch, sh, ss and x; not after z: "sizes" would lose its e).
 */
export function singular(t: string): string {
  // Called for every word of 200 descriptions per search: plain string checks, no regular expression.
  const n = t.length;
  if (n <= 3 || !t.endsWith('s')) return t;
  if (n > 4 && t.endsWith('ies')) return `${t.slice(0, -3)}y`;
  if (n > 4 && (t.endsWith('ches') || t.endsWith('shes') || t.endsWith('sses') || t.endsWith('xes')))
    return t.slice(0, -2);
  return t.endsWith('ss') ? t : t.slice(0, -1);
}

// Most titles are plain ASCII, and NFKD normalization is a good part of reading 200 of them per search.
// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included, is the point
const ASCII = /^[\x00-\x7f]*$/;

/** Accents folded, case kept: title-head.ts reads capitals ("USB" after "mouse" is a spec, not a thing). */
export const foldAccents = (text: string) =>
  ASCII.test(text) ? text : text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');

/** Lowercase and accents folded: the text tokens() splits. */
const fold = (text: string) => foldAccents(text).toLowerCase();

// Capitals count too, for title-head.ts, which reads titles with their case; tokens() lowercases first.
const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

/**
 * Calls `word(start, end)` for each run of [A-Za-z0-9] in `s`, until it returns true. One pass over the
 * characters: a search reads 200 titles and descriptions, and split/filter/map made three arrays.
 */
export function eachWord(s: string, word: (start: number, end: number) => boolean | void): void {
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    if (i < s.length && isWordChar(s.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (word(start, i)) return;
      start = -1;
    }
  }
}

/** Lowercase, fold accents, split on non-alphanumerics, singularize: cheap and deterministic. */
export function tokens(text: string | undefined): string[] {
  if (!text) return [];
  const s = fold(text);
  const out: string[] = [];
  eachWord(s, (start, end) => {
    out.push(singular(s.slice(start, end)));
  });
  return out;
}

/**
 * tokens() of a value many listings share (a brand, a category path), remembered: a search would split
 * the same few strings 200 times. Bounded by forgetting everything when full.
 */
export function sharedTokens(limit = 50_000): (text: string | undefined) => readonly string[] {
  const seen = new Map<string, string[]>();
  return (text) => {
    if (!text) return [];
    let t = seen.get(text);
    if (t === undefined) {
      if (seen.size >= limit) seen.clear();
      seen.set(text, (t = tokens(text)));
    }
    return t;
  };
}

/**
 * The words singular() turns into one of `wanted` (itself, +s, +es, y -> ies): a word of a text that is
 * not one of these cannot become a wanted token, so it need not be singularized.
 */
function surfaceForms(wanted: Set<string>): { forms: Set<string>; lengths: Set<number> } {
  const forms = new Set<string>();
  for (const w of wanted) {
    forms.add(w).add(`${w}s`).add(`${w}es`);
    if (w.endsWith('y')) forms.add(`${w.slice(0, -1)}ies`);
  }
  return { forms, lengths: new Set([...forms].map((f) => f.length)) };
}
const formsOf = new WeakMap<Set<string>, ReturnType<typeof surfaceForms>>();

/**
 * Which of `wanted` are tokens of `text` (as tokens() makes them), without building its token list:
 * descriptions are the longest text of a candidate, and a search extracts features for 200 of them.
 * Only words of a wanted word's length and spelling are cut out of the text.
 */
export function tokensAmong(text: string | undefined, wanted: Set<string>): Set<string> {
  const found = new Set<string>();
  if (!text || wanted.size === 0) return found;
  let surface = formsOf.get(wanted);
  if (!surface) formsOf.set(wanted, (surface = surfaceForms(wanted)));
  const { forms, lengths } = surface;
  const s = fold(text);
  eachWord(s, (start, end) => {
    if (!lengths.has(end - start)) return false;
    const raw = s.slice(start, end);
    const t = forms.has(raw) ? singular(raw) : undefined;
    if (t === undefined || !wanted.has(t)) return false;
    found.add(t);
    return found.size === wanted.size;
  });
  return found;
}
