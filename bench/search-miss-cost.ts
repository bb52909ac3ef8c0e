/**
 * What one uncached search costs, in CPU rather than latency (a shared 2-core machine swings): the API's
 * and Elasticsearch's CPU per search through the API, every request a miss (distinct queries of the
 * bench mix, a fresh Redis namespace), two in flight; then Elasticsearch's CPU per variant of the
 * window's BM25 request sent straight to it, to see where its share goes (the fetch of each hit).
 *
 *   npx tsx bench/search-miss-cost.ts [--listings 100000] [--searches 400]
 *
 * Needs the index `bench/freshness-api.ts --listings N --keep-index` leaves (alias bench-fresh-N, with
 * vectors). Elasticsearch's CPU is the first `java` process's: run it with nothing else querying it.
 */
import { execSync } from 'node:child_process';
import { loadConfig } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { buildAggs, buildQuery, SOURCE_FIELDS } from '../query-api/src/search/search-request.js';
import { EMBEDDING_DOCVALUES } from '../query-api/src/search/hybrid-retrieval.js';
import { queryMix, searchPath } from './query-mix.js';
import {
  arg,
  BENCH_KEY_HEADERS,
  log,
  processCpuMs,
  round,
  startProcess,
  stopProcess,
  uniqueSuffix,
  waitForHttp,
} from './support.js';
import { cleanupRedis } from '../test/support/services.js';

const listings = arg('listings', 100_000);
const searches = arg('searches', 400);
const env = {
  ES_INDEX_ALIAS: `bench-fresh-${listings}`,
  REDIS_NAMESPACE: `bmiss${uniqueSuffix()}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
};
const config = loadConfig({ ...process.env, ...env });
const es = createElasticsearchClient(config.elasticsearch);
if (!(await es.indices.existsAlias({ name: env.ES_INDEX_ALIAS }))) {
  log(`no index ${env.ES_INDEX_ALIAS}: run npx tsx bench/freshness-api.ts --listings ${listings} --keep-index first`);
  process.exit(3);
}
const esPid = Number(execSync('pgrep -x java | head -1').toString().trim());
// Distinct requests only: each is a miss the first time it is asked.
const mix = queryMix(2000, 3);
const distinct = [...new Map(mix.map((m) => [searchPath(m.params), m.params])).entries()];
if (distinct.length < searches + 100) throw new Error(`only ${distinct.length} distinct searches in the mix`);

/** Runs `work` over `items`, two at a time; returns CPU ms per item of each process in `pids`. */
async function cpuPerItem<T>(items: T[], pids: Record<string, number>, work: (item: T) => Promise<unknown>) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, processCpuMs(pid)]));
  for (let i = 0; i < items.length; i += 2) await Promise.all(items.slice(i, i + 2).map(work));
  return Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, round((processCpuMs(pid) - before[k]!) / items.length, 2)]),
  );
}

const port = 19_000 + Math.floor(Math.random() * 1000);
const api = startProcess('query-api/src/main.ts', { ...env, PORT: String(port) });
let throughApi: Record<string, number>;
try {
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health/ready`);
  const get = async ([path]: [string, unknown]) => (await fetch(base + path, { headers: BENCH_KEY_HEADERS })).text();
  await cpuPerItem(distinct.slice(0, 100), {}, get); // warm-up: JIT, connections, Elasticsearch's caches
  throughApi = await cpuPerItem(distinct.slice(100, 100 + searches), { api: api.pid!, elasticsearch: esPid }, get);
} finally {
  await stopProcess(api);
  await cleanupRedis(config); // this run's namespace
}

// The window's BM25 request (search-service.ts rankWindow) and variants of its fetch, straight to Elasticsearch.
const params = distinct.slice(100, 100 + searches).map(([, p]) => p);
const size = config.model.candidates;
type Params = Record<string, string>;
const counted = (p: Params) => ({ query: buildQuery(p), aggs: buildAggs(p).aggs, track_total_hits: 10_000 });
const variants = {
  as_served: (p: Params) => ({ ...counted(p), _source: SOURCE_FIELDS, docvalue_fields: EMBEDDING_DOCVALUES, size }),
  no_source: (p: Params) => ({ ...counted(p), _source: false, size }),
  no_stored_fields: (p: Params) => ({ ...counted(p), _source: false, stored_fields: '_none_', size }),
  query_and_aggs_only: (p: Params) => ({ ...counted(p), size: 0, request_cache: false }),
};
const elasticsearchAlone: Record<string, number> = {};
for (const round of [0, 1])
  for (const [name, body] of Object.entries(variants)) {
    const cpu = await cpuPerItem(params, { es: esPid }, (p) => es.search({ index: env.ES_INDEX_ALIAS, ...body(p) }));
    if (round === 1) elasticsearchAlone[name] = cpu.es!; // the first round warms caches
  }
await es.close();

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'search-miss-cost',
      listings,
      searches,
      bm25_candidates: size,
      cpu_ms_per_uncached_search_through_api: throughApi,
      elasticsearch_cpu_ms_per_bm25_request: elasticsearchAlone,
    },
    null,
    2,
  )}\n`,
);
