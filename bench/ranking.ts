/**
 * Online cost of re-ranking: features + one batched ONNX run for 200 candidates, per request.
 *
 *   npx tsx bench/ranking.ts [--candidates 200] [--iterations 3000]
 */
import { resolve } from 'node:path';
import { toListingDocument } from '../core/src/index.js';
import { generateListings } from '../indexer/src/sources/generator.js';
import { extractFeatures } from '../ranking/src/features.js';
import { tokens } from '../ranking/src/text.js';
import { RankingService } from '../ranking/src/ranking-service.js';
import { arg, percentile, round, root } from './support.js';

const n = arg('candidates', 200);
const iterations = arg('iterations', 3000);
const pool = [...generateListings({ count: n * 10, seed: 4 })].map((l) => toListingDocument(l, 1, l.updated_at));
const service = await RankingService.create({
  modelDir: resolve(root, 'models'),
  name: 'ltr',
  version: 'latest',
  canaryPercent: 0,
  budgetMs: 1000,
  watch: false,
});
const queries = ['nike sneakers', 'lego star wars', 'vintage dress', 'iphone 12 case', 'yoga mat'];

function timeIt(fn: (i: number) => Promise<unknown> | unknown) {
  return async () => {
    const ms: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await fn(i);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return {
      p50_ms: round(percentile(ms, 50), 3),
      p99_ms: round(percentile(ms, 99), 3),
      mean_ms: round(ms.reduce((a, b) => a + b, 0) / ms.length, 3),
    };
  };
}

const candidatesFor = (i: number) =>
  Array.from({ length: n }, (_, k) => ({ doc: pool[(i * 7 + k) % pool.length]!, bm25: 30 - k * 0.1 }));
const ctx = (i: number) => ({ query: queries[i % queries.length]!, now: new Date() });
await timeIt((i) => service.rank(candidatesFor(i), ctx(i)))(); // warm-up
const total = await timeIt((i) => service.rank(candidatesFor(i), ctx(i)))();
const features = await timeIt((i) => extractFeatures(candidatesFor(i), ctx(i)))();
// Worst case for title_head_match: every title has the query's head word, so every title is read word
// by word (retrieved candidates have it more often than this pool's random ones).
const headOf = (q: string) =>
  tokens(q)
    .filter((t) => /[a-z]/.test(t))
    .at(-1)!;
const bigPool = [...generateListings({ count: 20_000, seed: 5 })].map((l) => toListingDocument(l, 1, l.updated_at));
const withHead = queries
  .map((q) => bigPool.filter((d) => tokens(d.title).includes(headOf(q))))
  .map((docs, qi) => ({ docs, qi }))
  .filter((x) => x.docs.length > 0);
const headCandidates = (i: number) => {
  const { docs } = withHead[i % withHead.length]!;
  return Array.from({ length: n }, (_, k) => ({ doc: docs[(i + k) % docs.length]!, bm25: 30 - k * 0.1 }));
};
const headCtx = (i: number) => ({ query: queries[withHead[i % withHead.length]!.qi]!, now: new Date() });
const headFeatures = await timeIt((i) => extractFeatures(headCandidates(i), headCtx(i)))();
const last = await service.rank(candidatesFor(0), ctx(0));
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'ranking',
      ranker: last.ranker,
      candidates: n,
      iterations,
      rerank_total: total,
      features_only: features,
      features_all_titles_with_query_head: { queries: withHead.map((x) => queries[x.qi]), ...headFeatures },
      goal: 're-ranking 200 candidates adds < 3 ms p99',
    },
    null,
    2,
  )}\n`,
);
await service.close();
