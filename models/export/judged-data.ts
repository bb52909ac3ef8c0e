/**
 * Training data from human relevance judgments (../shared/data/icecat): imports the products into a
 * dedicated index, runs every judged query through the serving retrieval (textQuery, top 200), computes
 * features with the serving feature extractor (ranking/src/features.ts: one implementation for
 * training and serving), and writes one JSON line per candidate:
 *   { query, docid, rating, bm25_rank, title, features }
 * rating is null for a candidate no rater judged for that query: training leaves those out (their
 * relevance is unknown, not 0), the offline evaluation uses them to say how much of each top 10 was
 * judged, and models/export/judging-pool.ts picks from them what raters should grade next. Judged
 * products that BM25 does not retrieve in the top 200 cannot be re-ranked and are left out. The summary
 * line also gives the retrieval's recall: how many of the judged relevant (rating > 0) products are among
 * the candidates.
 *
 *   npx tsx models/export/judged-data.ts [--data ../shared/data/icecat] [--judgments FILE]... [--out .data/training/judged.jsonl]
 *
 * --judgments (default: judgments-dev.csv of --data) exports another query,docid,rating file over the
 * same products, e.g. a further judged set to evaluate the shipped model on (bench/offline-ndcg.ts
 * --queries all). Given more than once, the files are merged (a graded judging pool beside the judgments
 * it extends); where two files grade the same pair, the later file's grade counts.
 */
import { Client } from '@elastic/elasticsearch';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, toListingDocument, type ListingDocument } from '../../core/src/index.js';
import { createPhysicalIndex } from '../../indexer/src/index-admin.js';
import { readIcecatProducts, readJudgments } from '../../indexer/src/sources/icecat.js';
import { textQuery } from '../../query-api/src/search/text-query.js';
import { extractFeatures } from '../../ranking/src/features.js';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { data: { type: 'string' }, judgments: { type: 'string', multiple: true }, out: { type: 'string' }, candidates: { type: 'string' } } });
const dataDir = resolve(values.data ?? join(root, '../shared/data/icecat'));
const out = resolve(values.out ?? join(root, '.data/training/judged.jsonl'));
const judgmentsFiles = (values.judgments ?? [join(dataDir, 'judgments-dev.csv')]).map((f) => resolve(f));
const candidates = Number(values.candidates ?? 200);
const missing = judgmentsFiles.filter((f) => !existsSync(f));
if (missing.length > 0) {
  process.stderr.write(`no judgments at ${missing.join(', ')} (see ../shared/data/README.md)\n`);
  process.exit(3);
}

// Judgments first: a bad file stops the export before the products are imported.
const byQuery = new Map<string, Map<string, number>>();
let regraded = 0;
for (const file of judgmentsFiles) {
  const judgments = await readJudgments(file).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  });
  for (const j of judgments) {
    if (!byQuery.has(j.query)) byQuery.set(j.query, new Map());
    const ratings = byQuery.get(j.query)!;
    if (ratings.has(j.docid) && ratings.get(j.docid) !== j.rating) regraded++;
    ratings.set(j.docid, j.rating);
  }
}

const config = loadConfig({ ...process.env, ES_INDEX_ALIAS: 'ltr-icecat' });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 120_000 });
const index = 'ltr-icecat-train';
await es.indices.delete({ index, ignore_unavailable: true });
await createPhysicalIndex(es, { ...config.elasticsearch, refreshInterval: '-1' }, index);

const zips = [1, 2, 3, 4].map((n) => join(dataDir, `${n}.json.zip`)).filter(existsSync);
let batch: ListingDocument[] = [];
let imported = 0;
const flush = async () => {
  if (batch.length === 0) return;
  const res = await es.bulk({ operations: batch.flatMap((d) => [{ index: { _index: index, _id: d.id } }, d]) });
  if (res.errors) throw new Error('bulk import of icecat products failed');
  imported += batch.length;
  batch = [];
};
for await (const row of readIcecatProducts(zips)) {
  if (!row.ok) continue;
  batch.push(toListingDocument(row.listing, 1, row.listing.updated_at, new Date(row.listing.updated_at)));
  if (batch.length >= 2000) await flush();
}
await flush();
await es.indices.refresh({ index });

const now = new Date('2026-11-01T00:00:00Z');
const lines: string[] = [];
let relevantRetrieved = 0;
let judgedCandidates = 0;
for (const [query, ratings] of byQuery) {
  const res = await es.search<ListingDocument>({ index, query: { bool: { must: [textQuery(query)], filter: [{ term: { status: 'on_sale' } }] } } as never, size: candidates });
  const cands = res.hits.hits.map((h) => ({ doc: h._source!, bm25: h._score ?? 0 }));
  const features = extractFeatures(cands, { query, now });
  cands.forEach((c, rank) => {
    const rating = ratings.get(c.doc.id) ?? null;
    lines.push(JSON.stringify({ query, docid: c.doc.id, rating, bm25_rank: rank, title: c.doc.title, features: features[rank] }));
    if (rating !== null) judgedCandidates++;
    if (rating !== null && rating > 0) relevantRetrieved++;
  });
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${lines.join('\n')}\n`);
const relevantJudged = [...byQuery.values()].reduce((n, ratings) => n + [...ratings.values()].filter((r) => r > 0).length, 0);
const recall = { relevant_judged: relevantJudged, retrieved: relevantRetrieved, share: Number((relevantRetrieved / relevantJudged).toFixed(4)) };
process.stdout.write(`${JSON.stringify({ products: imported, judgments: judgmentsFiles, regraded, queries: byQuery.size, judged_candidates: judgedCandidates, unjudged_candidates: lines.length - judgedCandidates, [`recall_at_${candidates}`]: recall, out })}\n`);
await es.indices.delete({ index, ignore_unavailable: true });
await es.close();
