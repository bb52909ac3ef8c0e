import type { Candidate, QueryContext, RankOptions, RankResult, Ranker } from './types.js';

/**
 * Keeps the retrieval order (BM25 score, ties by popularity): the baseline the learned model must beat
 * and the fallback whenever the model is missing, failing or too slow.
 */
export class Bm25Ranker implements Ranker {
  readonly name = 'bm25';

  async rank(candidates: Candidate[], _ctx: QueryContext, _opts?: RankOptions): Promise<RankResult> {
    const order = candidates.map((_, i) => i);
    order.sort(
      (a, b) =>
        candidates[b]!.bm25 - candidates[a]!.bm25 || candidates[b]!.doc.popularity - candidates[a]!.doc.popularity,
    );
    return { order, scores: candidates.map((c) => c.bm25), ranker: this.name };
  }
}
