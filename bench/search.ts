/**
 * Search load benchmark: QPS and latency of (a) cache hits, (b) cache misses with re-ranking of the
 * candidate window, (c) the same retrieval queries sent straight to Elasticsearch, in one run, from
 * this process against the API in child processes on loopback: saturated runs with autocannon (closed
 * loop), fixed-rate runs with the open-loop generator of bench/open-loop.ts.
 *
 *   npx tsx bench/search.ts [--listings 1000000] [--seconds 10] [--connections 32] [--keep-index]
 *
 * --keep-index keeps the loaded index (alias bench-search-<listings>) and a later run reuses it.
 *
 * (b) and (c) run at the same fixed request rate (a share of what raw Elasticsearch sustains), so their
 * p99s compare like for like.
 */
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { loadConfig } from '../core/src/index.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { buildAggs, buildQuery, SOURCE_FIELDS } from '../query-api/src/search/search-request.js';
import { openLoop, type LoadRequest } from './open-loop.js';
import { vegetaAttack, vegetaAvailable } from './vegeta.js';
import { hotSearchPaths, queryMix, searchPath as path } from './query-mix.js';
import {
  arg,
  bulkLoadGenerated,
  log,
  round,
  startProcess,
  stopProcess,
  uniqueSuffix,
  waitForHttp,
  withStaticServer,
} from './support.js';

const listings = arg('listings', 1_000_000);
const seconds = arg('seconds', 10);
const connections = arg('connections', 32);
const keepIndex = process.argv.includes('--keep-index');
const id = uniqueSuffix();
const baseEnv = {
  ES_INDEX_ALIAS: keepIndex ? `bench-search-${listings}` : `bench-search-${id}`,
  REDIS_NAMESPACE: `bsearch${id}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
  HOST: '127.0.0.1',
};
const config = loadConfig({ ...process.env, ...baseEnv });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 120_000 });
const alias = config.elasticsearch.alias;

type Result = autocannon.Result;
const summary = (r: Result) => ({
  requests_per_s: round(r.requests.average, 0),
  latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  non_2xx: r.non2xx,
  errors: r.errors + r.timeouts,
  requests: r.requests.total,
});

function run(opts: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ duration: seconds, connections, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function load(): Promise<void> {
  const exists = await es.indices.existsAlias({ name: alias });
  if (exists && keepIndex && (await es.count({ index: alias })).count === listings) {
    log(`reusing ${alias}`);
    return;
  }
  if (!exists) await ensureListingsIndex(es, config.elasticsearch);
  await bulkLoadGenerated(es, alias, listings, 21);
}

const mix = queryMix(2000, 3);
const hotPaths = hotSearchPaths(mix);
const esBody = (p: Record<string, string>) => {
  const params = { ...p, status: 'on_sale' as const, ...(p.price_max ? { price_max: Number(p.price_max) } : {}) };
  return JSON.stringify({
    query: buildQuery(params),
    size: config.model.candidates,
    aggs: buildAggs(params).aggs,
    track_total_hits: 10_000,
    _source: SOURCE_FIELDS,
  });
};
/**
 * Miss traffic: every request unique (a distinct price ceiling far above any price), taken from one
 * global sequence, so neither the result cache nor single-flight can serve it: each one is a real
 * retrieval + re-rank, and the same sequence goes to Elasticsearch directly.
 */
let sequence = 0;
const uniqueParams = () => {
  const m = mix[sequence % mix.length]!;
  return { ...m.params, price_max: String(10_000_000 + sequence++) };
};
const missPath = () => path(uniqueParams());
const esMissRequest = (): LoadRequest => ({
  method: 'POST',
  path: `/${alias}/_search`,
  headers: { 'content-type': 'application/json' },
  body: esBody(uniqueParams()),
});
// The saturated runs (autocannon) send the same requests, built per request.
const apiMiss = (): autocannon.Request => ({
  setupRequest: (req: autocannon.Request) => ({ ...req, path: missPath() }),
});
const esMiss = (): autocannon.Request => ({
  setupRequest: (req: autocannon.Request) => ({ ...req, ...esMissRequest() }),
});

/** Waits until Elasticsearch has no search running or queued: a saturated run leaves a backlog behind it. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const stats = await es.nodes.stats({ metric: 'thread_pool' });
    const busy = Object.values(stats.nodes).some(
      (n) => (n.thread_pool?.search?.active ?? 0) + (n.thread_pool?.search?.queue ?? 0) > 0,
    );
    if (!busy) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1000));
}

/**
 * What each generator measures at 5,000 req/s against a server answering with prepared bytes of a
 * hit's size: the part of the hit latencies that is the machine and the generator, not the API.
 */
async function generatorFloor(bytes: number) {
  return withStaticServer(bytes, async (base) => {
    await openLoop({ base, paths: ['/'], rate: 5000, seconds: 3 });
    const node = await openLoop({ base, paths: ['/'], rate: 5000, seconds });
    const vegeta = vegetaAvailable() ? await vegetaAttack({ urls: [`${base}/`], rate: 5000, seconds }) : undefined;
    return { response_bytes: bytes, node_open_loop: node.latency_ms, ...(vegeta ? { vegeta: vegeta.latency_ms } : {}) };
  });
}

await load();
const cachedPort = 18_000 + Math.floor(Math.random() * 1000);
const uncachedPort = cachedPort + 1000;
const cached = startProcess('query-api/src/main.ts', { ...baseEnv, PORT: String(cachedPort) });
const uncached = startProcess('query-api/src/main.ts', {
  ...baseEnv,
  PORT: String(uncachedPort),
  CACHE_TTL_SECONDS: '0',
  REDIS_NAMESPACE: `bsearchx${id}`,
});
try {
  await waitForHttp(`http://127.0.0.1:${cachedPort}/health/ready`);
  await waitForHttp(`http://127.0.0.1:${uncachedPort}/health/ready`);
  const ready = await (await fetch(`http://127.0.0.1:${cachedPort}/health/ready`)).json();
  // Warm-up: JIT, Elasticsearch caches, the hot set into the result cache.
  for (const p of hotPaths) await fetch(`http://127.0.0.1:${cachedPort}${p}`);
  await run({ url: `http://127.0.0.1:${uncachedPort}`, requests: [apiMiss()], duration: 5 });

  log('(a) cache hits, saturated and at 5000 req/s');
  const hits = await run({ url: `http://127.0.0.1:${cachedPort}`, requests: hotPaths.map((p) => ({ path: p })) });
  // Fixed-rate runs use the open-loop generator (see bench/open-loop.ts for why not autocannon's overallRate).
  await quiet();
  // The first seconds at full rate pay for compiling the hot path and opening the generator's
  // connections; reported apart, not mixed into the measured run.
  const hitsWarmup = await openLoop({
    base: `http://127.0.0.1:${cachedPort}`,
    paths: hotPaths,
    rate: 5000,
    seconds: 5,
  });
  const hitsAt5k = await openLoop({ base: `http://127.0.0.1:${cachedPort}`, paths: hotPaths, rate: 5000, seconds });
  // The same with vegeta (a cheaper generator, see bench/vegeta.ts), over a whole cache TTL, so the
  // background recomputation of every hot entry falls inside the measured run.
  const hitUrls = hotPaths.map((p) => `http://127.0.0.1:${cachedPort}${p}`);
  let hitsVegeta;
  if (vegetaAvailable()) {
    await vegetaAttack({ urls: hitUrls, rate: 5000, seconds: 5 });
    hitsVegeta = await vegetaAttack({ urls: hitUrls, rate: 5000, seconds: Math.max(seconds, config.cache.ttlSeconds) });
  } else log('vegeta not installed (scripts/bench.sh installs it): cache hits measured with the Node generator only');
  const floor = await generatorFloor((await (await fetch(hitUrls[0]!)).arrayBuffer()).byteLength);
  log('(c) raw Elasticsearch, saturated');
  const esMax = await run({ url: config.elasticsearch.url, requests: [esMiss()] });
  const missesMax = await run({ url: `http://127.0.0.1:${uncachedPort}`, requests: [apiMiss()] });
  const rate = Math.max(5, Math.floor(Math.min(esMax.requests.average, missesMax.requests.average) * 0.6));
  log(`(b) and (c) at the same rate: ${rate} req/s`);
  // Twice as long as the saturated runs: a few hundred requests a second give a p99 from few samples.
  await quiet();
  const misses = await openLoop({
    base: `http://127.0.0.1:${uncachedPort}`,
    request: () => ({ path: missPath() }),
    rate,
    seconds: seconds * 2,
  });
  await quiet();
  const esSame = await openLoop({ base: config.elasticsearch.url, request: esMissRequest, rate, seconds: seconds * 2 });

  const result = {
    benchmark: 'search',
    machine: '2 cores; Elasticsearch, Redis, two API processes and the load generator on the same host',
    listings,
    ranker: ready.checks?.ranker,
    candidates_reranked: config.model.candidates,
    query_mix: {
      queries: mix.length,
      head: mix.filter((m) => m.kind === 'head').length,
      torso: mix.filter((m) => m.kind === 'torso').length,
      tail: mix.filter((m) => m.kind === 'tail').length,
    },
    connections_saturated_runs: connections,
    fixed_rate_runs:
      'open loop (bench/open-loop.ts): fixed arrival rate, latency counted from when each request was due',
    seconds_per_run: seconds,
    cache_hits_saturated: summary(hits),
    cache_hits_at_5000_req_s_first_5_s: hitsWarmup,
    cache_hits_at_5000_req_s: hitsAt5k,
    ...(hitsVegeta ? { cache_hits_at_5000_req_s_vegeta: hitsVegeta } : {}),
    generator_floor_at_5000_req_s: floor,
    cache_ttl_seconds: config.cache.ttlSeconds,
    raw_elasticsearch_saturated: summary(esMax),
    same_rate_req_per_s: rate,
    cache_misses_reranked_at_rate: misses,
    raw_elasticsearch_at_rate: esSame,
    cache_misses_reranked_saturated: summary(missesMax),
    p99_ratio_misses_vs_es: round(misses.latency_ms.p99 / Math.max(1, esSame.latency_ms.p99), 2),
    goals: {
      cache_hits: 'p99 < 5 ms at >= 5000 req/s',
      misses: 'p99 within 1.5x of raw Elasticsearch p99 at the same rate',
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await Promise.all([stopProcess(cached), stopProcess(uncached)]);
  if (!process.argv.includes('--keep-index'))
    await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true });
  const redis = new Redis(config.redis.url);
  for (const prefix of [`bsearch${id}`, `bsearchx${id}`]) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
  await es.close();
}
