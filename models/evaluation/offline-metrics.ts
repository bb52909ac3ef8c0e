/**
 * Offline ranking metrics on the TypeScript side (bench/offline-ndcg.ts), computed as the training
 * pipeline computes them (models/pipeline/ltr_metrics.py), plus how far a gain measured on a few dozen
 * queries can be trusted.
 */
import { seededRandom } from '../../core/src/index.js';

const dcg = (ratings: number[], k: number) =>
  ratings.slice(0, k).reduce((s, r, i) => s + (2 ** r - 1) / Math.log2(i + 2), 0);

/** NDCG@k of ratings listed in ranked order (0 when no rating is positive). */
export function ndcgAtK(ratingsInRankedOrder: number[], k = 10): number {
  const ideal = dcg(
    [...ratingsInRankedOrder].sort((a, b) => b - a),
    k,
  );
  return ideal > 0 ? dcg(ratingsInRankedOrder, k) / ideal : 0;
}

export interface PairedComparison {
  relative_gain: number;
  /** 95 % percentile interval of the relative gain over query resamples (queries drawn with replacement). */
  relative_gain_ci95: [number, number];
  /** Queries where the model's NDCG is higher, lower, equal (within 1e-9) than the baseline's. */
  queries: { better: number; worse: number; tied: number };
}

/**
 * Model vs baseline over the same queries (per-query NDCG, paired by index). A gain measured on 23 queries
 * moves by several points with which queries were judged: the interval says how much.
 */
export function comparePaired(
  model: number[],
  baseline: number[],
  opts: { resamples?: number; seed?: number } = {},
): PairedComparison {
  if (model.length !== baseline.length || model.length === 0)
    throw new Error('comparePaired needs two equally long, non-empty lists');
  const n = model.length;
  const gain = (idx: ArrayLike<number>) => {
    let m = 0;
    let b = 0;
    for (let i = 0; i < idx.length; i++) {
      m += model[idx[i]!]!;
      b += baseline[idx[i]!]!;
    }
    return b > 0 ? m / b - 1 : 0;
  };
  const random = seededRandom(opts.seed ?? 20261125);
  const resamples = opts.resamples ?? 2000;
  const gains: number[] = [];
  const idx = new Uint32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(random() * n);
    gains.push(gain(idx));
  }
  gains.sort((a, b) => a - b);
  const at = (p: number) => gains[Math.min(resamples - 1, Math.floor(p * resamples))]!;
  const diff = model.map((m, i) => m - baseline[i]!);
  return {
    relative_gain: gain(Uint32Array.from(model.keys())),
    relative_gain_ci95: [at(0.025), at(0.975)],
    queries: {
      better: diff.filter((d) => d > 1e-9).length,
      worse: diff.filter((d) => d < -1e-9).length,
      tied: diff.filter((d) => Math.abs(d) <= 1e-9).length,
    },
  };
}

/** A candidate in ranked order: its grade, or null when no rater has judged it for this query. */
export interface RankedCandidate {
  docid: string;
  rating: number | null;
}

/** Share of the first k candidates that carry a judgment (judged@k). */
export function judgedShare(ranked: RankedCandidate[], k = 10): number {
  const top = ranked.slice(0, k);
  return top.length === 0 ? 1 : top.filter((c) => c.rating !== null).length / top.length;
}

/** NDCG@k over the judged candidates only, in their ranked order (unjudged ones left out, not counted as 0). */
export function condensedNdcg(ranked: RankedCandidate[], k = 10): number {
  return ndcgAtK(
    ranked.flatMap((c) => (c.rating === null ? [] : [c.rating])),
    k,
  );
}

/**
 * The judging pool of one query: its unjudged candidates in the top k of any of the given orders, each
 * once, in the order first met (first order's top k first). What raters should grade next: the only
 * unjudged candidates that can change NDCG@k of these orders.
 */
export function judgingPool(orders: RankedCandidate[][], k = 10): string[] {
  const pool = new Set<string>();
  for (const order of orders) for (const c of order.slice(0, k)) if (c.rating === null) pool.add(c.docid);
  return [...pool];
}

/**
 * NDCG@k over the whole ranked list, as if raters had given every candidate of `pool` the grade `grade`
 * and every other unjudged candidate 0. With grade 0 it is NDCG with unjudged counted as irrelevant.
 */
export function ndcgIfPoolGraded(ranked: RankedCandidate[], pool: ReadonlySet<string>, grade: number, k = 10): number {
  return ndcgAtK(
    ranked.map((c) => c.rating ?? (pool.has(c.docid) ? grade : 0)),
    k,
  );
}
