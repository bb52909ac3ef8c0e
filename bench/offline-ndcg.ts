/**
 * Offline relevance: NDCG@10 of the shipped model vs the BM25 order on the held-out judged queries,
 * recomputed here with the TypeScript serving path (onnxruntime-node) on the exported judged data, next
 * to the numbers the training pipeline recorded in the manifest.
 *
 *   npx tsx bench/offline-ndcg.ts [--data .data/training/judged.jsonl] [--queries held-out|all] [--version V]
 *
 * The default data is what scripts/train-model.sh exports. For a judged set the model never saw, export
 * it (models/export/judged-data.ts --judgments FILE --out F) and pass --data F --queries all.
 *
 * NDCG is computed over each query's judged candidates (unjudged ones have unknown relevance, not 0).
 * How much that matters is printed beside it: judged@10 (the share of each top 10 that raters have
 * graded) and NDCG@10 over the whole ranked list as if the judging pool (the unjudged candidates in the
 * model's or BM25's top 10, models/export/judging-pool.ts) were graded 0, 1, 2 or 3.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  comparePaired,
  condensedNdcg,
  judgedShare,
  judgingPool,
  ndcgIfPoolGraded,
} from '../models/evaluation/offline-metrics.js';
import { rankWithModel, readExport, type RankedQuery } from '../models/evaluation/ranked-queries.js';
import { round, root } from './support.js';

const SEED = 20261125; // models/pipeline/train.py
const { values } = parseArgs({
  options: { data: { type: 'string' }, queries: { type: 'string', default: 'held-out' }, version: { type: 'string' } },
});
if (values.queries !== 'held-out' && values.queries !== 'all') {
  process.stderr.write(`--queries must be held-out or all, not ${values.queries}\n`);
  process.exit(2);
}
const data = resolve(values.data ?? resolve(root, '.data/training/judged.jsonl'));
let rows;
try {
  rows = readExport(data);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(3);
}

/** Same split as models/pipeline/ltr_metrics.py split_queries. */
const isHeldOut = (q: string) =>
  parseInt(createHash('sha256').update(`${SEED}:${q}`).digest('hex').slice(0, 8), 16) / 0xffffffff < 0.3;

const { artifact, ranked } = await rankWithModel(
  resolve(root, 'models'),
  rows,
  values.queries === 'all' ? () => true : isHeldOut,
  values.version,
);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean NDCG@10 of model and BM25 under one way of scoring a ranked list, and the paired comparison. */
function compare(ndcg: (order: RankedQuery['byModel'], q: RankedQuery) => number) {
  const model = ranked.map((q) => ndcg(q.byModel, q));
  const bm25 = ranked.map((q) => ndcg(q.byBm25, q));
  const paired = comparePaired(model, bm25);
  return {
    model: round(mean(model), 4),
    bm25: round(mean(bm25), 4),
    relative_gain: round(paired.relative_gain, 4),
    paired,
    perQuery: model.map((m, i) => ({ model: round(m, 4), bm25: round(bm25[i]!, 4) })),
  };
}

const condensed = compare((order) => condensedNdcg(order));
const pools = new Map(ranked.map((q) => [q, new Set(judgingPool([q.byModel, q.byBm25]))]));
const unjudgedRows = rows.filter((r) => r.rating === null).length;
const ifPoolGraded = Object.fromEntries(
  [0, 1, 2, 3].map((grade) => {
    const { paired: _, perQuery: __, ...c } = compare((order, q) => ndcgIfPoolGraded(order, pools.get(q)!, grade));
    return [grade, c];
  }),
);
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'offline-ndcg',
      model: `ltr@${artifact.version}`,
      data,
      queries: values.queries,
      evaluated_queries: ranked.length,
      ndcg_at_10: {
        model: condensed.model,
        bm25: condensed.bm25,
        relative_gain: condensed.relative_gain,
        // How much the gain depends on which queries were judged: 95 % interval over query resamples.
        relative_gain_ci95: condensed.paired.relative_gain_ci95.map((g) => round(g, 4)),
        queries_better_worse_tied: [
          condensed.paired.queries.better,
          condensed.paired.queries.worse,
          condensed.paired.queries.tied,
        ],
        // One entry per evaluated query, in no particular order and without the query text (the judged data's
        // text stays out of committed results); bench/charts.ts plots it.
        per_query: condensed.perQuery,
      },
      // How much of what each order shows was judged at all; an export without unjudged rows cannot tell.
      judged_at_10:
        unjudgedRows === 0
          ? null
          : {
              model: round(mean(ranked.map((q) => judgedShare(q.byModel))), 4),
              bm25: round(mean(ranked.map((q) => judgedShare(q.byBm25))), 4),
            },
      full_list:
        unjudgedRows === 0
          ? null
          : {
              judging_pool: [...pools.values()].reduce((n, p) => n + p.size, 0),
              ndcg_at_10_if_pool_graded: ifPoolGraded,
            },
      training_pipeline_metrics: artifact.manifest.metrics,
      goal: 'model >= +10% relative over BM25',
    },
    null,
    2,
  )}\n`,
);
