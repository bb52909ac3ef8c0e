/**
 * Offline relevance: NDCG@10 of the shipped model vs the BM25 order on the held-out judged queries,
 * recomputed here with the TypeScript serving path (onnxruntime-node) on the exported judged data, next
 * to the numbers the training pipeline recorded in the manifest.
 *
 *   npx tsx bench/offline-ndcg.ts [--data .data/training/judged.jsonl] [--queries held-out|all] [--version V]
 *
 * The default data is what scripts/train-model.sh exports. For a judged set the model never saw, export
 * it (models/export/judged-data.ts --judgments FILE --out F) and pass --data F --queries all.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { comparePaired, ndcgAtK } from '../models/evaluation/offline-metrics.js';
import { listVersions, resolveArtifact } from '../ranking/src/model-registry.js';
import { OnnxRanker } from '../ranking/src/onnx-ranker.js';
import { round, root } from './support.js';

const SEED = 20261125; // models/pipeline/train.py
const { values } = parseArgs({ options: { data: { type: 'string' }, queries: { type: 'string', default: 'held-out' }, version: { type: 'string' } } });
if (values.queries !== 'held-out' && values.queries !== 'all') {
  process.stderr.write(`--queries must be held-out or all, not ${values.queries}\n`);
  process.exit(2);
}
const data = resolve(values.data ?? resolve(root, '.data/training/judged.jsonl'));
if (!existsSync(data)) {
  process.stderr.write(`no ${data}: run scripts/train-model.sh (needs ../shared/data/icecat)\n`);
  process.exit(3);
}
interface Row { query: string; docid: string; rating: number; bm25_rank: number; features: number[] }
const rows = readFileSync(data, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);

/** Same split as models/pipeline/ltr_metrics.py split_queries. */
const isHeldOut = (q: string) => parseInt(createHash('sha256').update(`${SEED}:${q}`).digest('hex').slice(0, 8), 16) / 0xffffffff < 0.3;

const selected = values.queries === 'all' ? () => true : isHeldOut;
const version = values.version ?? listVersions(resolve(root, 'models'), 'ltr').at(-1)!;
const artifact = resolveArtifact(resolve(root, 'models'), 'ltr', version);
const ranker = await OnnxRanker.load(artifact);
const byQuery = new Map<string, Row[]>();
for (const r of rows) if (selected(r.query)) byQuery.set(r.query, [...(byQuery.get(r.query) ?? []), r]);
const model: number[] = [];
const bm25: number[] = [];
for (const [query, group] of byQuery) {
  // NDCG is undefined without a relevant judged candidate (same rule as models/pipeline/ltr_metrics.py).
  if (!group.some((r) => r.rating > 0)) {
    byQuery.delete(query);
    continue;
  }
  const scores = await ranker.score(group.map((r) => r.features));
  const byModel = group.map((r, i) => ({ r, s: scores[i]! })).sort((a, b) => b.s - a.s || a.r.bm25_rank - b.r.bm25_rank).map((x) => x.r.rating);
  const byBm25 = [...group].sort((a, b) => a.bm25_rank - b.bm25_rank).map((r) => r.rating);
  model.push(ndcgAtK(byModel));
  bm25.push(ndcgAtK(byBm25));
}
const q = byQuery.size;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const paired = comparePaired(model, bm25);
process.stdout.write(`${JSON.stringify({
  benchmark: 'offline-ndcg',
  model: `ltr@${version}`,
  data,
  queries: values.queries,
  evaluated_queries: q,
  ndcg_at_10: {
    model: round(mean(model), 4),
    bm25: round(mean(bm25), 4),
    relative_gain: round(paired.relative_gain, 4),
    // How much the gain depends on which queries were judged: 95 % interval over query resamples.
    relative_gain_ci95: paired.relative_gain_ci95.map((g) => round(g, 4)),
    queries_better_worse_tied: [paired.queries.better, paired.queries.worse, paired.queries.tied],
  },
  training_pipeline_metrics: artifact.manifest.metrics,
  goal: 'model >= +10% relative over BM25',
}, null, 2)}\n`);
await ranker.close();
