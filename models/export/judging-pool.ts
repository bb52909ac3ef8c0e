/**
 * What raters should grade next: for each judged query, the candidates in the top 10 of the shipped
 * model or of the BM25 order that no rater has judged. They are the only unjudged candidates that can
 * change NDCG@10 of either order; on judgments-dev.csv how they are graded moves the model's measured gain
 * by several points (docs/benchmarks.md, "How much of the top 10 was judged"). Writes a query,docid,rating,title
 * CSV with the rating left empty; once graded, pass it beside the judgments it extends:
 *
 *   npx tsx models/export/judging-pool.ts [--data .data/training/judged.jsonl] [--version V] [--out .data/training/judging-pool.csv]
 *   JUDGMENTS=../shared/data/icecat/judgments-dev.csv,graded-pool.csv make train
 *
 * The data is what models/export/judged-data.ts writes (it keeps unjudged candidates with rating null).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { poolRows, rankWithModel, readExport } from '../evaluation/ranked-queries.js';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    version: { type: 'string' },
    out: { type: 'string' },
    k: { type: 'string', default: '10' },
  },
});
const k = Number(values.k);
if (!Number.isInteger(k) || k < 1) {
  process.stderr.write(`--k must be a positive whole number, not ${values.k}\n`);
  process.exit(2);
}
const out = resolve(values.out ?? resolve(root, '.data/training/judging-pool.csv'));
let rows;
try {
  rows = readExport(resolve(values.data ?? resolve(root, '.data/training/judged.jsonl')));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(3);
}
if (!rows.some((r) => r.rating === null)) {
  process.stderr.write(
    'the export has no unjudged candidates: re-run models/export/judged-data.ts, which keeps them\n',
  );
  process.exit(3);
}
const { artifact, ranked } = await rankWithModel(resolve(root, 'models'), rows, () => true, values.version);
const pool = poolRows(ranked, k);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, stringify(pool, { header: true, columns: ['query', 'docid', 'rating', 'title'] }));
process.stdout.write(
  `${JSON.stringify({ model: `ltr@${artifact.version}`, k, queries: ranked.length, to_grade: pool.length, out })}\n`,
);
