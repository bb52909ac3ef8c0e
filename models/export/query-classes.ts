/**
 * Query classes the ranking goal is checked on (no class may lose more than 2 % to BM25): one-word or
 * multi-word, and independently brand (the query names a catalog brand, all its words: "dell", "apple") and
 * typo (a query word of 4+ letters that no listing's title, brand or category has, one edit away from a
 * word that some listing has: "headphons"). Computed from the catalog, not from the judgments.
 */
import { tokens } from '../../ranking/src/text.js';

export type QueryClass = 'one_word' | 'multi_word' | 'brand' | 'typo';

/** True when a and b differ by one insertion, deletion, substitution or adjacent swap. */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const [ra, rb] = [a.slice(i), b.slice(i)];
  if (ra.length === rb.length)
    return (
      ra.slice(1) === rb.slice(1) ||
      (ra.length >= 2 && ra[0] === rb[1] && ra[1] === rb[0] && ra.slice(2) === rb.slice(2))
    );
  return ra.length > rb.length ? ra.slice(1) === rb : rb.slice(1) === ra;
}

/** Classifies queries against a catalog vocabulary (title, category words) and its brand names. */
export function queryClasses(
  queries: string[],
  vocabulary: Set<string>,
  brands: string[],
): Record<string, QueryClass[]> {
  const brandTokens = [...new Set(brands)].map(tokens).filter((t) => t.length > 0);
  const brandWords = new Set(brandTokens.flat());
  const out: Record<string, QueryClass[]> = {};
  for (const q of queries) {
    const words = tokens(q);
    const classes: QueryClass[] = [words.length <= 1 ? 'one_word' : 'multi_word'];
    if (brandTokens.some((b) => b.every((w) => words.includes(w)))) classes.push('brand');
    const typo = words.some(
      (w) =>
        w.length >= 4 && !vocabulary.has(w) && !brandWords.has(w) && [...vocabulary].some((v) => oneEditApart(w, v)),
    );
    if (typo) classes.push('typo');
    out[q] = classes;
  }
  return out;
}
