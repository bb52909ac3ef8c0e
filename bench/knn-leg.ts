/**
 * What the hybrid miss's kNN request costs Elasticsearch, and which part of it: the request as the API
 * sends it beside variants that fetch less (no `_source`, ids and int8 copies from doc values only, 10
 * hits) or search less (fewer HNSW candidates, k 50). One request at a time, every dev query three
 * times, each with a distinct price ceiling as the API's filters (so no filter cache helps); prints
 * Elasticsearch's `took` and the wall time, p50 and p90, per variant.
 *
 *   npx tsx bench/knn-leg.ts [--rounds 3]
 *
 * Runs against the index `bench/hybrid-search.ts --keep-index` leaves (alias bench-hybrid-icecat).
 * Needs ../shared/data/icecat and scripts/fetch-embedding-model.sh.
 */
import type { estypes } from '@elastic/elasticsearch';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { TextEmbedder } from '../core/src/text-embedder.js';
import { readJudgments } from '../indexer/src/sources/icecat.js';
import { EMBEDDING_DOCVALUES, knnSearch } from '../query-api/src/search/hybrid-retrieval.js';
import { buildFilters, SOURCE_FIELDS } from '../query-api/src/search/search-request.js';
import { arg, log, root, round } from './support.js';

const rounds = arg('rounds', 3);
const alias = 'bench-hybrid-icecat';
const judgments = resolve(root, '../shared/data/icecat/judgments-dev.csv');
if (!existsSync(judgments)) {
  log(`no icecat data at ${judgments} (see ../shared/data/README.md)`);
  process.exit(3);
}
const config = loadConfig(process.env);
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 30_000 });
if (!(await es.indices.existsAlias({ name: alias }))) {
  log(`no index ${alias}: run npx tsx bench/hybrid-search.ts --keep-index first`);
  process.exit(3);
}

const queries = [...new Set((await readJudgments(judgments)).map((j) => j.query))];
const embedder = await TextEmbedder.load({ dir: join(root, '.data/models/all-minilm-l6-v2-q'), threads: 1 });
const vectors = new Map<string, Float32Array>();
for (const q of queries) vectors.set(q, (await embedder.embed([q], 'query'))[0]!);
await embedder.close();

let sequence = 0;
/** The API's kNN request for `q` with `k` neighbours, under a price ceiling no earlier request had. */
const knnOf = (q: string, k = 100) =>
  knnSearch(vectors.get(q)!, buildFilters({ q, price_max: String(10_000_000 + sequence++) } as never), k);
const variants: Record<string, (q: string) => estypes.SearchRequest> = {
  as_the_api_sends_it: (q) => ({ ...knnOf(q), _source: SOURCE_FIELDS }),
  without_source: (q) => ({ knn: knnOf(q).knn, size: 100, _source: false }),
  doc_values_only: (q) => ({
    knn: knnOf(q).knn,
    size: 100,
    _source: false,
    stored_fields: '_none_',
    docvalue_fields: ['id', ...EMBEDDING_DOCVALUES],
  }),
  ten_hits: (q) => ({ knn: knnOf(q).knn, size: 10, _source: false }),
  num_candidates_100: (q) => {
    const req = knnOf(q);
    return { ...req, knn: { ...req.knn, num_candidates: 100 }, _source: SOURCE_FIELDS };
  },
  k_50: (q) => ({ ...knnOf(q, 50), _source: SOURCE_FIELDS }),
};

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;
const out: Record<string, object> = {};
for (const [name, request] of Object.entries(variants)) {
  const took: number[] = [];
  const wall: number[] = [];
  for (const q of queries)
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      const res = await es.search({ index: alias, ...request(q) });
      wall.push(performance.now() - started);
      took.push(res.took);
    }
  out[name] = {
    took_ms: { p50: percentile(took, 0.5), p90: percentile(took, 0.9) },
    wall_ms: { p50: round(percentile(wall, 0.5), 1), p90: round(percentile(wall, 0.9), 1) },
  };
}
await es.close();
process.stdout.write(
  `${JSON.stringify({ benchmark: 'knn-leg', index: alias, queries: queries.length, rounds, variants: out }, null, 2)}\n`,
);
