import type { Bm25Check } from './entry-scope.js';

/**
 * The BM25 cut of a cached relevance window (EntryScope.bm25Cut): a changed listing whose words match
 * enters the window only if Elasticsearch scores it at the cut or above. Asked once per pass over the
 * cache, for every word match below a cut at once.
 */

/**
 * BM25 scores of listings for query texts (Elasticsearch, the window's own text query over just those
 * ids): query text -> listing id -> score; a listing the query does not match is absent.
 */
export type Bm25Scorer = (idsByQuery: Map<string, string[]>) => Promise<Map<string, Map<string, number>>>;

/**
 * How far under a window's BM25 cut a changed listing's score may be and still count as entering: the
 * cut was scored when the window was computed, the listing's score now, and index statistics (document
 * counts, term frequencies, average lengths) move a little with every listing indexed in between. A few
 * hundred new listings in a window's life move idf by well under 0.1 % at 100,000 listings; ties count
 * as entering (the tie-break by internal document order can go either way after merges).
 */
export const BM25_CUT_MARGIN = 0.01;

/**
 * The checks whose listing `scorer` puts at or above the window's cut (less BM25_CUT_MARGIN), in one
 * request; null when it cannot say (no scorer, an error): then every check counts as entering, a
 * needless recomputation at worst.
 */
export async function checksAtOrAboveCut(
  checks: Bm25Check[],
  scorer: Bm25Scorer | undefined,
): Promise<Set<Bm25Check> | null> {
  if (!scorer) return null;
  const idsByQuery = new Map<string, string[]>();
  for (const c of checks) {
    const ids = idsByQuery.get(c.q) ?? [];
    if (!ids.includes(c.id)) ids.push(c.id);
    idsByQuery.set(c.q, ids);
  }
  try {
    const scores = await scorer(idsByQuery);
    return new Set(
      checks.filter((c) => {
        const score = scores.get(c.q)?.get(c.id);
        return score !== undefined && score >= c.cut - Math.abs(c.cut) * BM25_CUT_MARGIN;
      }),
    );
  } catch {
    return null;
  }
}
