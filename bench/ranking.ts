/**
 * Online cost of re-ranking: features + one batched ONNX run for 200 candidates, per request.
 *
 *   npx tsx bench/ranking.ts [--candidates 200] [--iterations 3000]
 */
import { resolve } from 'node:path';
import { toListingDocument } from '../core/src/index.js';
import { generateListings } from '../indexer/src/sources/generator.js';
import { extractFeatures } from '../ranking/src/features.js';
import { RankingService } from '../ranking/src/ranking-service.js';
import { arg, percentile, round, root } from './support.js';

const n = arg('candidates', 200);
const iterations = arg('iterations', 3000);
const pool = [...generateListings({ count: n * 10, seed: 4 })].map((l) => toListingDocument(l, 1, l.updated_at));
const service = await RankingService.create({ modelDir: resolve(root, 'models'), name: 'ltr', version: 'latest', canaryPercent: 0, budgetMs: 1000, watch: false });
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
    return { p50_ms: round(percentile(ms, 50), 3), p99_ms: round(percentile(ms, 99), 3), mean_ms: round(ms.reduce((a, b) => a + b, 0) / ms.length, 3) };
  };
}

const candidatesFor = (i: number) => Array.from({ length: n }, (_, k) => ({ doc: pool[(i * 7 + k) % pool.length]!, bm25: 30 - k * 0.1 }));
const ctx = (i: number) => ({ query: queries[i % queries.length]!, now: new Date() });
await timeIt((i) => service.rank(candidatesFor(i), ctx(i)))(); // warm-up
const total = await timeIt((i) => service.rank(candidatesFor(i), ctx(i)))();
const features = await timeIt((i) => extractFeatures(candidatesFor(i), ctx(i)))();
const last = await service.rank(candidatesFor(0), ctx(0));
process.stdout.write(`${JSON.stringify({
  benchmark: 'ranking',
  ranker: last.ranker,
  candidates: n,
  iterations,
  rerank_total: total,
  features_only: features,
  goal: 're-ranking 200 candidates adds < 3 ms p99',
}, null, 2)}\n`);
await service.close();
