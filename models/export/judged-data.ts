/**
 * Training data from human relevance judgments (../shared/data/icecat): imports the products with their
 * text embeddings (cached under .data/embeddings/) into a dedicated index, runs every judged query
 * through the serving retrieval (query-api/src/search/hybrid-retrieval.ts: BM25's top 200 united with
 * the 100 nearest by embedding), computes features with the serving feature extractor
 * (ranking/src/features.ts: one implementation for training and serving), and writes one JSON line per
 * candidate:
 *   { query, docid, rating, rating_source, bm25_rank, knn_rank, title, features }
 * bm25_rank is null for a candidate only the semantic retriever found, knn_rank null for one it did not
 * return; rating_source is the index of the judgments file whose grade counts (with/without a graded
 * pool is then one export). Beside it, <out>.judgments.json holds every grade of every query, retrieved
 * or not: the standard NDCG's ideal order and the recall of each retrieval come from it.
 * rating is null for a candidate no rater judged for that query: training leaves those out (their
 * relevance is unknown, not 0), the offline evaluation uses them to say how much of each top 10 was
 * judged, and models/export/judging-pool.ts picks from them what raters should grade next. Judged
 * products that neither retriever finds cannot be re-ranked and are left out. The summary line gives the
 * recall of BM25, kNN and the union: how many of the judged relevant (rating > 0) products are among
 * their candidates.
 *
 *   npx tsx models/export/judged-data.ts [--data ../shared/data/icecat] [--judgments FILE]... [--out .data/training/judged.jsonl]
 *     [--embedding-model all-minilm-l6-v2-q] (a directory of .data/models/; 'none' exports BM25 candidates only)
 *
 * --judgments (default: judgments-dev.csv of --data) exports another query,docid,rating file over the
 * same products, e.g. a further judged set to evaluate the shipped model on (bench/offline-ndcg.ts
 * --queries all). Given more than once, the files are merged (a graded judging pool beside the judgments
 * it extends); where two files grade the same pair, the later file's grade counts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, toListingDocument, type ListingDocument } from '../../core/src/index.js';
import { createPhysicalIndex } from '../../core/src/pipeline/index-admin.js';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import { readIcecatProducts, readJudgments } from '../../indexer/src/sources/icecat.js';
import {
  EMBEDDING_DOCVALUES,
  knnSearch,
  mergeCandidates,
  type ScoredHit,
} from '../../query-api/src/search/hybrid-retrieval.js';
import { textQuery } from '../../query-api/src/search/text-query.js';
import { extractFeatures } from '../../ranking/src/features.js';
import { embeddingFields, listingEmbeddingText, TextEmbedder } from '../../core/src/text-embedder.js';
import { tokens } from '../../ranking/src/text.js';
import { cachedEmbeddings } from './embedding-cache.js';
import { queryClasses } from './query-classes.js';

const root = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    judgments: { type: 'string', multiple: true },
    out: { type: 'string' },
    candidates: { type: 'string' },
    'embedding-model': { type: 'string' },
  },
});
const dataDir = resolve(values.data ?? join(root, '../shared/data/icecat'));
const out = resolve(values.out ?? join(root, '.data/training/judged.jsonl'));
const judgmentsFiles = (values.judgments ?? [join(dataDir, 'judgments-dev.csv')]).map((f) => resolve(f));
const candidates = Number(values.candidates ?? 200);
const embeddingModel = values['embedding-model'] ?? 'all-minilm-l6-v2-q';
const missing = judgmentsFiles.filter((f) => !existsSync(f));
if (missing.length > 0) {
  process.stderr.write(`no judgments at ${missing.join(', ')} (see ../shared/data/README.md)\n`);
  process.exit(3);
}

// Judgments first: a bad file stops the export before the products are imported.
const byQuery = new Map<string, Map<string, number>>();
const sourceOf = new Map<string, number>();
let regraded = 0;
for (const [fileIndex, file] of judgmentsFiles.entries()) {
  const judgments = await readJudgments(file).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  });
  for (const j of judgments) {
    if (!byQuery.has(j.query)) byQuery.set(j.query, new Map());
    const ratings = byQuery.get(j.query)!;
    if (ratings.has(j.docid) && ratings.get(j.docid) !== j.rating) regraded++;
    ratings.set(j.docid, j.rating);
    sourceOf.set(`${j.query}\u0000${j.docid}`, fileIndex);
  }
}

const config = loadConfig({ ...process.env, ES_INDEX_ALIAS: 'ltr-icecat' });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 120_000 });
// One index per run: two exports at once (parallel sessions, CI) must not delete each other's products.
const index = `ltr-icecat-train-${process.pid}`;
await es.indices.delete({ index, ignore_unavailable: true });
await createPhysicalIndex(es, { ...config.elasticsearch, refreshInterval: '-1' }, index);

const zips = [1, 2, 3, 4].map((n) => join(dataDir, `${n}.json.zip`)).filter(existsSync);
const docs: ListingDocument[] = [];
for await (const row of readIcecatProducts(zips)) {
  if (row.ok) docs.push(toListingDocument(row.listing, 1, row.listing.updated_at, new Date(row.listing.updated_at)));
}
const embedder =
  embeddingModel === 'none'
    ? null
    : await TextEmbedder.load({ dir: join(root, '.data/models', embeddingModel), threads: 2 });
if (embedder) {
  const vectors = await cachedEmbeddings(
    embedder,
    docs.map(listingEmbeddingText),
    join(root, `.data/embeddings/icecat-${embeddingModel}.jsonl`),
    (done, todo) => {
      if (done % 2048 < 64 || done === todo) process.stderr.write(`embedded ${done}/${todo} products\n`);
    },
  );
  docs.forEach((d, i) => Object.assign(d, embeddingFields(vectors[i]!)));
}
let imported = 0;
for (let start = 0; start < docs.length; start += 500) {
  const batch = docs.slice(start, start + 500);
  const res = await es.bulk({ operations: batch.flatMap((d) => [{ index: { _index: index, _id: d.id } }, d]) });
  if (res.errors) throw new Error('bulk import of icecat products failed');
  imported += batch.length;
}
await es.indices.refresh({ index });

const now = new Date('2026-11-01T00:00:00Z');
const lines: string[] = [];
const found = { bm25: 0, knn: 0, union: 0 };
let judgedCandidates = 0;
const filters = [{ term: { status: 'on_sale' } }];
const queries = [...byQuery.keys()];
const queryVectors = embedder ? await embedder.embed(queries, 'query') : [];
for (const [qi, query] of queries.entries()) {
  const ratings = byQuery.get(query)!;
  const vector = queryVectors[qi];
  // As serving does it: BM25 hits with their int8 embeddings, the kNN search beside, cosines computed here.
  const res = await es.search<ListingDocument>({
    index,
    query: { bool: { must: [textQuery(query)], filter: filters } },
    size: candidates,
    ...(vector ? { docvalue_fields: EMBEDDING_DOCVALUES } : {}),
  });
  const bm25Hits = res.hits.hits as ScoredHit[];
  const knnHits = vector
    ? ((await es.search<ListingDocument>({ index, ...knnSearch(vector, filters) })).hits.hits as ScoredHit[])
    : [];
  const cands = mergeCandidates(bm25Hits, knnHits, vector);
  const features = extractFeatures(cands, { query, now });
  cands.forEach((c, i) => {
    const rating = ratings.get(c.doc.id) ?? null;
    const source = rating === null ? null : sourceOf.get(`${query}\u0000${c.doc.id}`);
    lines.push(
      JSON.stringify({
        query,
        docid: c.doc.id,
        rating,
        rating_source: source,
        bm25_rank: c.bm25Rank,
        knn_rank: c.knnRank,
        title: c.doc.title,
        features: features[i],
      }),
    );
    if (rating !== null) judgedCandidates++;
    if (rating !== null && rating > 0) {
      if (c.bm25Rank !== null) found.bm25++;
      if (c.knnRank !== null) found.knn++;
      found.union++;
    }
  });
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${lines.join('\n')}\n`);
// Every grade, retrieved or not, and which file it came from: the standard NDCG's ideal order.
const grades = Object.fromEntries(
  [...byQuery].map(([q, ratings]) => [
    q,
    [...ratings].map(([docid, r]) => [docid, r, sourceOf.get(`${q}\u0000${docid}`)]),
  ]),
);
const vocabulary = new Set(docs.flatMap((d) => tokens(`${d.title} ${d.category_text}`)));
const classes = queryClasses(
  queries,
  vocabulary,
  docs.map((d) => d.brand ?? ''),
);
writeFileSync(`${out}.judgments.json`, `${JSON.stringify({ files: judgmentsFiles, grades, classes })}\n`);
const relevantJudged = [...byQuery.values()].reduce(
  (n, ratings) => n + [...ratings.values()].filter((r) => r > 0).length,
  0,
);
const share = (n: number) => ({ retrieved: n, share: Number((n / relevantJudged).toFixed(4)) });
const recall = {
  relevant_judged: relevantJudged,
  [`bm25_top_${candidates}`]: share(found.bm25),
  ...(embedder ? { knn_top_100: share(found.knn), union: share(found.union) } : {}),
};
process.stdout.write(
  `${JSON.stringify({ products: imported, embedding_model: embedder?.name ?? null, judgments: judgmentsFiles, regraded, queries: byQuery.size, candidates: lines.length, judged_candidates: judgedCandidates, unjudged_candidates: lines.length - judgedCandidates, recall, out })}\n`,
);
await embedder?.close();
await es.indices.delete({ index, ignore_unavailable: true });
await es.close();
