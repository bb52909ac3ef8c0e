/**
 * Cache misses with hybrid retrieval against raw Elasticsearch at the same fixed rate: the API (result
 * cache off) embeds the query, runs BM25 and kNN, re-ranks the union; Elasticsearch alone runs the
 * BM25 retrieval request the API sends (query, facets, 200 hits). Also the API with rank=bm25 (BM25
 * retrieval, no embedding, no model) to show where the time goes. On the icecat catalog (19,406
 * products, real text) with their embeddings (cached under .data/embeddings; computed on first use).
 *
 *   npx tsx bench/hybrid-search.ts [--rate 20] [--seconds 15] [--keep-index]
 *
 * Every request is unique (a distinct price ceiling far above any price), so nothing is served from a
 * cache. Needs ../shared/data/icecat and scripts/fetch-embedding-model.sh.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, toListingDocument, type ListingDocument } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { embeddingFields, listingEmbeddingText, TextEmbedder } from '../core/src/text-embedder.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { readIcecatProducts, readJudgments } from '../indexer/src/sources/icecat.js';
import { cachedEmbeddings } from '../models/export/embedding-cache.js';
import { buildAggs, buildQuery, SOURCE_FIELDS } from '../query-api/src/search/search-request.js';
import { openLoop, type LoadRequest } from './open-loop.js';
import { arg, log, root, round, startProcess, stopProcess, uniqueSuffix, waitForHttp } from './support.js';
import { cleanupRedis } from '../test/support/services.js';

const rate = arg('rate', 20);
const seconds = arg('seconds', 15);
const keepIndex = process.argv.includes('--keep-index');
const model = 'all-minilm-l6-v2-q';
const dataDir = resolve(root, '../shared/data/icecat');
if (!existsSync(join(dataDir, 'judgments-dev.csv'))) {
  process.stderr.write(`no icecat data at ${dataDir} (see ../shared/data/README.md)\n`);
  process.exit(3);
}
const id = uniqueSuffix();
const baseEnv = {
  ES_INDEX_ALIAS: keepIndex ? 'bench-hybrid-icecat' : `bench-hybrid-${id}`,
  REDIS_NAMESPACE: `bhybrid${id}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
  HOST: '127.0.0.1',
  CACHE_TTL_SECONDS: '0',
  EMBEDDING_MODEL_DIR: join(root, '.data/models', model),
};
const config = loadConfig({ ...process.env, ...baseEnv });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 120_000 });
const alias = config.elasticsearch.alias;

async function load(): Promise<number> {
  const docs: ListingDocument[] = [];
  for await (const row of readIcecatProducts(
    [1, 2, 3, 4].map((n) => join(dataDir, `${n}.json.zip`)).filter(existsSync),
  )) {
    if (row.ok) docs.push(toListingDocument(row.listing, 1, row.listing.updated_at));
  }
  if (
    keepIndex &&
    (await es.indices.existsAlias({ name: alias })) &&
    (await es.count({ index: alias })).count === docs.length
  ) {
    log(`reusing ${alias}`);
    return docs.length;
  }
  const embedder = await TextEmbedder.load({ dir: join(root, '.data/models', model), threads: 2 });
  const vectors = await cachedEmbeddings(
    embedder,
    docs.map(listingEmbeddingText),
    join(root, `.data/embeddings/icecat-${model}.jsonl`),
  );
  await embedder.close();
  await ensureListingsIndex(es, config.elasticsearch);
  for (let i = 0; i < docs.length; i += 500) {
    const batch = docs.slice(i, i + 500);
    const res = await es.bulk({
      operations: batch.flatMap((d, j) => [
        { index: { _index: alias, _id: d.id } },
        { ...d, ...embeddingFields(vectors[i + j]!) },
      ]),
    });
    if (res.errors) throw new Error('bulk load failed');
  }
  await es.indices.refresh({ index: alias });
  return docs.length;
}

const products = await load();
const queries = [...new Set((await readJudgments(join(dataDir, 'judgments-dev.csv'))).map((j) => j.query))];
let sequence = 0;
const unique = () => ({ q: queries[sequence % queries.length]!, price_max: String(10_000_000 + sequence++) });
const apiRequest = (extra: Record<string, string>) => (): LoadRequest => ({
  path: `/v1/search?${new URLSearchParams({ ...unique(), size: '20', ...extra })}`,
});
const esRequest = (): LoadRequest => {
  const p = { ...unique(), status: 'on_sale' as const };
  const params = { ...p, price_max: Number(p.price_max) };
  return {
    method: 'POST',
    path: `/${alias}/_search`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: buildQuery(params),
      size: config.model.candidates,
      aggs: buildAggs(params).aggs,
      track_total_hits: 10_000,
      _source: SOURCE_FIELDS,
    }),
  };
};

const port = 19_000 + Math.floor(Math.random() * 1000);
const api = startProcess('query-api/src/main.ts', { ...baseEnv, PORT: String(port) });
try {
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health/ready`);
  const probe = (await (await fetch(`${base}/v1/search?q=ipad`)).json()) as { retrieval: string; ranker: string };
  log(`API serves retrieval=${probe.retrieval} ranker=${probe.ranker}; warming up`);
  await openLoop({ base, request: apiRequest({}), rate, seconds: 5 });
  await openLoop({ base: config.elasticsearch.url, request: esRequest, rate, seconds: 5 });
  // Alternated, so a noisy neighbour on the shared cores hits both sides alike.
  const hybrid = await openLoop({ base, request: apiRequest({}), rate, seconds });
  const raw = await openLoop({ base: config.elasticsearch.url, request: esRequest, rate, seconds });
  const bm25 = await openLoop({ base, request: apiRequest({ rank: 'bm25' }), rate, seconds });
  const metrics = await (await fetch(`${base}/metrics`, { headers: { 'x-api-key': 'bench-app-key' } })).text();
  const embedLine = metrics
    .split('\n')
    .filter(
      (l) => l.startsWith('api_query_embedding_seconds_sum') || l.startsWith('api_query_embedding_seconds_count'),
    );
  const [sum, count] = embedLine.map((l) => Number(l.split(' ').at(-1)));
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'hybrid-search',
        machine: '2 shared cores; Elasticsearch, the API and the load generator on the same host',
        products,
        queries: queries.length,
        rate_req_per_s: rate,
        seconds,
        api: { retrieval: probe.retrieval, ranker: probe.ranker },
        misses_hybrid: hybrid,
        raw_elasticsearch_bm25: raw,
        misses_rank_bm25: bm25,
        query_embedding_mean_ms: count ? round((sum! / count) * 1000, 2) : null,
        p99_ratio_hybrid_vs_es: round(hybrid.latency_ms.p99 / Math.max(0.01, raw.latency_ms.p99), 2),
        goal: 'hybrid miss p99 within 1.5x of raw Elasticsearch p99 at the same rate',
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await stopProcess(api);
  await cleanupRedis(config); // this run's namespace
  if (!keepIndex) await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true });
  await es.close();
}
