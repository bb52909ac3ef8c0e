/**
 * Freshness through the API, cache included: how long after a change event a new listing shows up in a
 * search whose (empty) answer was cached before it was published, and what the cache's scope
 * invalidation costs in hit rate. Two phases with the same traffic, invalidation on, then off:
 *
 *   npx tsx bench/freshness-api.ts [--listings 100000] [--seconds 60] [--rate 300] [--new-rate 2.6] [--keep-index]
 *
 * Per phase: an indexer worker, two API processes on one Redis (two pods): pod A serves the search
 * mix (bench/query-mix.ts, 2,000 queries drawn with Zipf popularity, s = 1: search logs have a head and a
 * long tail) at --rate req/s, open loop; pod B takes new listings through
 * POST /v1/listings/changes at --new-rate a second (225k a day is 2.6/s; peaks of 10x) and the probes.
 * Each probe searches its unique word on pod B (relevance and newest; the empty answers are cached),
 * publishes a listing with that word, then polls both sorts through the API and Elasticsearch alone.
 * Hit rate is pod A's (memory + Redis hits over lookups, from its /metrics), with why its entries were
 * corrected and what the BM25 cut checks kept. The catalog is loaded with the vectors the indexer's
 * embedding step would write (when the model is here; 100,000 in ~3 minutes), so the run starts in the
 * steady state; `--keep-index` keeps it for the next run.
 */
import { Redis } from 'ioredis';
import { loadConfig, seededRandom } from '../core/src/index.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { generateListing } from '../indexer/src/sources/generator.js';
import { upsertEvent } from '../indexer/src/sources/to-events.js';
import { openLoop } from './open-loop.js';
import { queryMix, searchPath } from './query-mix.js';
import {
  arg,
  BENCH_KEY_HEADERS,
  bulkLoadGenerated,
  log,
  percentile,
  round,
  startProcess,
  stopProcess,
  uniqueSuffix,
  waitForHttp,
} from './support.js';

const listings = arg('listings', 100_000);
const seconds = arg('seconds', 60);
const rate = arg('rate', 300);
const newRate = arg('new-rate', 2.6);
const keepIndex = process.argv.includes('--keep-index');
const id = uniqueSuffix();
const INGEST_KEY = 'bench-ingest-key';
const baseEnv = {
  ES_INDEX_ALIAS: keepIndex ? `bench-fresh-${listings}` : `bench-fresh-${id}`,
  QUEUE_NAME: `bfresh-${id}`,
  REDIS_NAMESPACE: `bfresh${id}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
  INDEXER_METRICS_PORT: '0',
  INGEST_API_KEYS: INGEST_KEY,
};
const config = loadConfig({ ...process.env, ...baseEnv });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 120_000 });
const alias = config.elasticsearch.alias;
const json = (body: unknown) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY },
  body: JSON.stringify(body),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? null };
};

/** `count` requests drawn from `paths` with Zipf weights 1/rank (the same sequence every phase). */
function zipfPaths(paths: string[], count: number): string[] {
  const r = seededRandom(17);
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 1; k <= paths.length; k++) cumulative.push((total += 1 / k));
  return Array.from({ length: count }, () => {
    const x = r() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return paths[lo]!;
  });
}

async function cacheCounts(base: string): Promise<{
  lookups: number;
  hits: number;
  scopeDrops: number;
  scopeRefreshes: number;
  scopeMatches: Record<string, number>;
  bm25Checks: Record<string, number>;
  revalidations: Record<string, number>;
}> {
  const text = await (await fetch(`${base}/metrics`, { headers: BENCH_KEY_HEADERS })).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  const memHit = value(/api_cache_requests_total\{layer="memory",result="hit"\} (\d+)/);
  const memMiss = value(/api_cache_requests_total\{layer="memory",result="miss"\} (\d+)/);
  const redisHit = value(/api_cache_requests_total\{layer="redis",result="hit"\} (\d+)/);
  return {
    lookups: memHit + memMiss,
    hits: memHit + redisHit,
    scopeDrops: value(/api_cache_scope_drops_total (\d+)/),
    scopeRefreshes: value(/api_cache_scope_refreshes_total (\d+)/),
    scopeMatches: Object.fromEntries(
      [...text.matchAll(/api_cache_scope_matches_total\{cause="(\w+)"\} (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
    ),
    revalidations: Object.fromEntries(
      [...text.matchAll(/api_cache_revalidations_total\{outcome="(\w+)"\} (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
    ),
    bm25Checks: Object.fromEntries(
      [...text.matchAll(/api_cache_scope_bm25_checks_total\{outcome="(\w+)"\} (\d+)/g)].map((m) => [
        m[1]!,
        Number(m[2]),
      ]),
    ),
  };
}

const delta = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]));

const now = () => new Date().toISOString();
let serial = 0;
const newListing = (title?: string) => {
  const l = generateListing(20_000_000 + serial++, 31);
  // On sale: the generator makes 8 % sold, which searches rightly never show (a probe would never be seen).
  return {
    ...l,
    id: `new-${id}-${serial}`,
    title: title ?? l.title,
    status: 'on_sale' as const,
    created_at: now(),
    updated_at: now(),
  };
};

/**
 * Waits while the indexer's embedding step backfills the loaded listings' vectors (it embeds every
 * listing without one, ~30 a second here; with no model it writes none, and this returns after a minute
 * without progress; at most 15 minutes). A backfill is what follows a reindex, not the steady state of
 * 2.6 new listings a second: each vector is a change the caches check, so measuring during it would
 * charge the first phase alone.
 */
async function untilEmbedded(maxMs = 900_000) {
  const started = Date.now();
  let missing = Infinity;
  let stalledSince = Date.now();
  while (missing > 0 && Date.now() - started < maxMs && Date.now() - stalledSince < 60_000) {
    await es.indices.refresh({ index: alias });
    const { count } = await es.count({
      index: alias,
      query: { bool: { must_not: [{ exists: { field: 'embedding' } }] } },
    });
    if (count < missing) stalledSince = Date.now();
    missing = count;
    if (missing > 0) await new Promise((r) => setTimeout(r, 2000));
  }
  log(`listings without a vector at the start of the phase: ${missing}`);
  // Then the merges the backfill left (HNSW graphs rebuilt): measured beside them, the first phase paid for
  // them alone (search p50 0.9 s against 1.8 ms, 2026-12-03).
  for (const until = Date.now() + 300_000; Date.now() < until; await sleep(2000)) {
    const stats = await es.indices.stats({ index: alias, metric: 'merge' });
    if ((stats._all.primaries?.merges?.current ?? 0) === 0) break;
  }
}

async function phase(scopeInvalidation: boolean) {
  const env = { ...baseEnv, CACHE_SCOPE_INVALIDATION: String(scopeInvalidation) };
  const ports = [0, 1].map(() => 19_000 + Math.floor(Math.random() * 1000));
  const [podA, podB] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string];
  const procs = [
    startProcess('indexer/src/main.ts', env),
    ...ports.map((p) => startProcess('query-api/src/main.ts', { ...env, PORT: String(p) })),
  ];
  try {
    await Promise.all([waitForHttp(`${podA}/health/ready`), waitForHttp(`${podB}/health/ready`)]);
    await untilEmbedded();
    const paths = zipfPaths(
      queryMix(2000, 3).map((m) => searchPath(m.params)),
      100_000,
    );
    // Warm pod A's cache with the mix before measuring.
    await openLoop({ base: podA, paths, rate, seconds: 10 });
    const before = await cacheCounts(podA);
    let running = true;
    const arrivals = (async () => {
      for (let next = Date.now(); running; next += 1000 / newRate) {
        await fetch(`${podB}/v1/listings/changes`, json({ events: [upsertEvent(newListing(), 1)] })).catch(
          () => undefined,
        );
        await sleep(Math.max(0, next + 1000 / newRate - Date.now()));
      }
    })();
    const lags = { relevance: [] as number[], newest: [] as number[], elasticsearch: [] as number[], never_seen: 0 };
    const probes: Promise<void>[] = [];
    const probing = (async () => {
      for (let p = 0; running; p++) {
        const word = `zq${id}x${p}probe`;
        const queries = {
          relevance: `/v1/search?q=${word}&size=20`,
          newest: `/v1/search?q=${word}&sort=newest&size=20`,
        };
        for (const path of Object.values(queries)) await fetch(`${podB}${path}`); // cached empty answers
        const listing = newListing(`${word} vintage denim jacket`);
        const emitted = Date.now();
        await fetch(`${podB}/v1/listings/changes`, json({ events: [upsertEvent(listing, 1)] }));
        probes.push(probe(listing.id, emitted, podB, queries, lags));
        await sleep(1000);
      }
    })();
    const load = await openLoop({ base: podA, paths, rate, seconds });
    running = false;
    await Promise.all([arrivals, probing]);
    await Promise.all(probes);
    const after = await cacheCounts(podA);
    const lookups = after.lookups - before.lookups;
    return {
      scope_invalidation: scopeInvalidation,
      search_load: {
        requests_per_s: load.requests_per_s,
        latency_ms: load.latency_ms,
        non_2xx: load.non_2xx,
        errors: load.errors,
      },
      cache_hit_rate: round((after.hits - before.hits) / Math.max(1, lookups), 4),
      cache_lookups: lookups,
      scope_drops_pod_a: after.scopeDrops - before.scopeDrops,
      scope_refreshes_pod_a: after.scopeRefreshes - before.scopeRefreshes,
      // Why pod A's entries were corrected (api_cache_scope_matches_total).
      scope_matches_pod_a: delta(before.scopeMatches, after.scopeMatches),
      // Windows whose only matches were words under their BM25 cut, by what Elasticsearch scored.
      bm25_checks_pod_a: delta(before.bm25Checks, after.bm25Checks),
      // Hot entries near expiry: extended (unchanged) or recomputed (changed, failed).
      revalidations_pod_a: delta(before.revalidations, after.revalidations),
      lag_ms: {
        through_api_relevance: summary(lags.relevance),
        through_api_newest: summary(lags.newest),
        elasticsearch_alone: summary(lags.elasticsearch),
        not_seen_within_40s: lags.never_seen,
      },
    };
  } finally {
    await Promise.all(procs.map(stopProcess));
  }
}

/** The indexer's embedding model, or undefined without one (the listings then load without vectors). */
async function loadEmbedder() {
  const { TextEmbedder } = await import('../core/src/text-embedder.js');
  return TextEmbedder.load({ dir: config.embedding.modelDir, threads: 2 }).catch((err: Error) => {
    log(`listings load without vectors: ${err.message}`);
    return undefined;
  });
}

/** Polls both sorts through the API and the listing in Elasticsearch until each shows it (40 s at most). */
async function probe(
  listingId: string,
  emitted: number,
  base: string,
  queries: Record<'relevance' | 'newest', string>,
  lags: { relevance: number[]; newest: number[]; elasticsearch: number[]; never_seen: number },
) {
  const pending = new Set<'relevance' | 'newest' | 'elasticsearch'>(['relevance', 'newest', 'elasticsearch']);
  while (pending.size > 0 && Date.now() - emitted < 40_000) {
    for (const what of [...pending]) {
      const shown =
        what === 'elasticsearch'
          ? (
              (await es.search({ index: alias, query: { ids: { values: [listingId] } }, size: 0 })).hits.total as {
                value: number;
              }
            ).value > 0
          : (
              ((await (await fetch(`${base}${queries[what]}`)).json()) as { items?: Array<{ id: string }> }).items ?? []
            ).some((i) => i.id === listingId);
      if (shown) {
        lags[what].push(Date.now() - emitted);
        pending.delete(what);
      }
    }
    await sleep(50);
  }
  lags.never_seen += pending.size;
}

try {
  const exists = await es.indices.existsAlias({ name: alias });
  if (!(exists && keepIndex)) {
    await ensureListingsIndex(es, config.elasticsearch);
    // With their vectors when the model is here: the steady state, not a backfill (untilEmbedded).
    await bulkLoadGenerated(es, alias, listings, 21, await loadEmbedder());
  }
  const on = await phase(true);
  log(`invalidation on: ${JSON.stringify(on)}`);
  const off = await phase(false);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'freshness-api',
        listings,
        seconds,
        search_rate: rate,
        new_listings_per_s: newRate,
        machine: '2 cores shared by Elasticsearch, Redis, the indexer, two API processes and the load generator',
        phases: [on, off],
        hit_rate_cost_points: round((off.cache_hit_rate - on.cache_hit_rate) * 100, 2),
        goals: { through_api_p99_ms: 2000, hit_rate_cost_points_max: 5 },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  const redis = new Redis(config.redis.url);
  const keys = await redis.keys(`${baseEnv.REDIS_NAMESPACE}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  if (!keepIndex) await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true });
  await es.close();
}
