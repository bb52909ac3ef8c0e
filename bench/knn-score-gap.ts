/**
 * How far Elasticsearch's kNN scores (int8_hnsw, dot_product: (1 + cosine) / 2) are from the cosine the
 * API computes in process from the int8 copy (cosineOfHit): what KNN_BOUND_MARGIN (hybrid-retrieval.ts)
 * must cover, since a window's kNN bound is compared with our arithmetic while Elasticsearch orders the
 * hits by its own. A generated catalog embedded by the indexer's step, queries from the search mix.
 *
 *   npx tsx bench/knn-score-gap.ts [--listings 3000] [--queries 100]
 */
import { join } from 'node:path';
import { loadConfig, toListingDocument } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { TextEmbedder } from '../core/src/text-embedder.js';
import { EmbeddingStep } from '../indexer/src/embedding-step.js';
import { generateListings } from '../indexer/src/sources/generator.js';
import { cosineOfHit, KNN_BOUND_MARGIN, type ScoredHit } from '../query-api/src/search/hybrid-retrieval.js';
import { queryMix } from './query-mix.js';
import { arg, log, percentile, root, round, uniqueSuffix } from './support.js';

const listings = arg('listings', 3000);
const queries = arg('queries', 100);
const config = loadConfig({ ...process.env, ES_INDEX_ALIAS: `bench-knngap-${uniqueSuffix()}` });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 60_000 });
const alias = config.elasticsearch.alias;
await ensureListingsIndex(es, config.elasticsearch);
const docs = [...generateListings({ count: listings, seed: 5 })].map((l) => toListingDocument(l, 1, l.updated_at));
await es.bulk({
  refresh: true,
  operations: docs.flatMap((d) => [{ index: { _index: alias, _id: d.id, version: 1, version_type: 'external' } }, d]),
});
const embedder = await TextEmbedder.load({ dir: join(root, '.data/models/all-minilm-l6-v2-q'), threads: 1 });
log(`embedding ${listings} listings`);
const step = new EmbeddingStep(es, embedder, { alias, batch: 256, idleMs: 100 });
while ((await step.sweep()) > 0) await es.indices.refresh({ index: alias });
const gaps: number[] = [];
const texts = [...new Set(queryMix(queries * 3, 9).map((m) => m.params.q!))].slice(0, queries);
for (const q of texts) {
  const [v] = await embedder.embed([q], 'query');
  const res = await es.search({
    index: alias,
    knn: { field: 'embedding', query_vector: Array.from(v!), k: 100, num_candidates: 300 },
    size: 100,
    docvalue_fields: ['embedding_int8'],
    _source: false,
  });
  for (const h of res.hits.hits) gaps.push(Math.abs(2 * h._score! - 1 - cosineOfHit(v!, h as ScoredHit)!));
}
gaps.sort((a, b) => a - b);
const segments = await es.cat.segments({ index: alias, format: 'json' });
process.stdout.write(
  `${JSON.stringify({
    listings,
    segments: segments.length,
    queries: texts.length,
    hits: gaps.length,
    score_vs_int8_cosine_gap: {
      p50: round(percentile(gaps, 50), 4),
      p99: round(percentile(gaps, 99), 4),
      max: round(gaps.at(-1)!, 4),
    },
    margin: KNN_BOUND_MARGIN,
  })}\n`,
);
await embedder.close();
await es.indices.delete({ index: Object.keys(await es.indices.get({ index: alias })) });
await es.close();
