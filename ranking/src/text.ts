/** The tokenizer every text feature shares: training and serving see words the same way. */

/**
 * English plurals to singular, just enough that "batteries" meets "battery", "cases" meets "case" and
 * "watches" meets "watch" ("-es" after ch, sh, ss and x; not after z: "sizes" would lose its e).
 */
export function singular(t: string): string {
  if (t.length > 4 && t.endsWith('ies')) return `${t.slice(0, -3)}y`;
  if (t.length > 4 && /(?:ch|sh|ss|x)es$/.test(t)) return t.slice(0, -2);
  return t.length > 3 && t.endsWith('s') && !t.endsWith('ss') ? t.slice(0, -1) : t;
}

// Most titles are plain ASCII, and NFKD normalization is a good part of reading 200 of them per search.
const ASCII = /^[\x00-\x7f]*$/;

/** Accents folded, case kept: title-head.ts reads capitals ("USB" after "mouse" is a spec, not a thing). */
export const foldAccents = (text: string) => (ASCII.test(text) ? text : text.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''));

/** Lowercase and accents folded: the text tokens() splits. */
const fold = (text: string) => foldAccents(text).toLowerCase();

/** Lowercase, fold accents, split on non-alphanumerics, singularize: cheap and deterministic. */
export function tokens(text: string | undefined): string[] {
  if (!text) return [];
  return fold(text).split(/[^a-z0-9]+/).filter(Boolean).map(singular);
}

/**
 * Which of `wanted` are tokens of `text` (as tokens() makes them), without building its token list:
 * descriptions are the longest text of a candidate, and a search extracts features for 200 of them.
 */
export function tokensAmong(text: string | undefined, wanted: Set<string>): Set<string> {
  const found = new Set<string>();
  if (!text || wanted.size === 0) return found;
  for (const [raw] of fold(text).matchAll(/[a-z0-9]+/g)) {
    const t = singular(raw);
    if (!wanted.has(t)) continue;
    found.add(t);
    if (found.size === wanted.size) break;
  }
  return found;
}
