/**
 * Result cache versus bentocache (issue 24): the same workload through our two-layer cache
 * (query-api/src/cache/result-cache.ts) and bentocache 1.6.1 (L1 memory + L2 Redis + Redis bus),
 * on the real Redis, values shaped like a cached search window (200 listings, ~80 KB of JSON):
 *
 *   npx tsx bench/cache-library.ts [--ops 1000000] [--keys 500] [--items 200] [--rounds 2] [--max-seconds 15]
 *
 * (a) memory-tier hits over a Zipf-ish key set: ns/op, bytes allocated per op, GCs, p50/p99 of one get;
 * (b) Redis-tier hits: a new instance (empty memory) reads every key once, then again (from memory);
 * (c) a cold burst: 1,000 concurrent gets of one missing key (one instance, then two of 500): computations;
 * (d) invalidation across two instances on the same Redis: from the invalidation on A until B serves a
 * value computed after it (a stale-while-revalidate cache serves the old one once more: that counts as stale).
 * Each round runs every side back to back (ours, then bentocache's variants); rounds alternate the order.
 * Timed loops stop at --ops or --max-seconds, whichever comes first (the op count is reported).
 * It re-runs itself with --expose-gc: bytes per op are heap growth over small batches between forced
 * GCs, batches during which a GC ran discarded.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { loadConfig, seededRandom, toListingDocument } from '../core/src/index.js';
import { generateListing } from '../indexer/src/sources/generator.js';
import type { CachedValue } from '../query-api/src/cache/result-cache.js';
import { toItem } from '../query-api/src/search/listing-items.js';
import { SIDES, type BenchCache, type SideSpec } from './cache-library-sides.js';
import { arg, log, percentile, root, round, uniqueSuffix } from './support.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', import.meta.filename, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}
const forceGc = gc!;

const ops = arg('ops', 1_000_000);
const keyCount = arg('keys', 500);
const itemsPerEntry = arg('items', 200);
const rounds = arg('rounds', 2);
const maxSeconds = arg('max-seconds', 15);
const BURST = 1000;
const INVALIDATIONS = arg('invalidations', 10);
const config = loadConfig(process.env);
const runId = uniqueSuffix();

/** Listings as a search window shows them (the route's own toItem), from the demo catalog generator. */
const POOL = 20_000;
const pool = Array.from({ length: POOL }, (_, i) => {
  const l = generateListing(i, 7);
  return toItem(toListingDocument(l, 1, l.updated_at), 1 - i / POOL);
});
const facets = {
  brand: Array.from({ length: 10 }, (_, i) => ({ value: `brand-${i}`, count: 500 - i * 40 })),
  condition: ['new', 'like_new', 'good', 'fair'].map((value, i) => ({ value, count: 300 - i * 50 })),
};
/** One window per key: overlapping slices of the pool, so listings show on several entries, as in real traffic. */
const entries: CachedValue<unknown>[] = Array.from({ length: keyCount }, (_, k) => {
  const items = Array.from({ length: itemsPerEntry }, (_, j) => pool[(k * 97 + j * 7) % POOL]!);
  const value = {
    query_id: `q-${k}`,
    items,
    total: { value: 1234 + k, relation: 'eq' },
    facets,
    ranker: 'onnx:bench',
    retrieval: 'hybrid',
  };
  return { value, ids: items.map((i) => i.id), scope: [{ status: 'on_sale', q: `query ${k}` }] };
});
const keys = entries.map((_, k) => `search:bench-${k}`);

/** Key indices drawn with probability ~ 1/rank (Zipf, s = 1): a few hot queries and a long tail. */
function zipfSequence(n: number, seed: number): Int32Array {
  const cumulative: number[] = [];
  let sum = 0;
  for (let r = 0; r < keyCount; r++) cumulative.push((sum += 1 / (r + 1)));
  const rnd = seededRandom(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = rnd() * sum;
    let lo = 0;
    let hi = keyCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}
const sequence = zipfSequence(Math.min(ops, 1_000_000), 11);

const gcs = { minor: 0, major: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    // kind 1 is a scavenge (young generation); the rest are mark-sweep / incremental / weak callbacks.
    if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1) gcs.minor++;
    else gcs.major++;
    gcs.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
/** GC entries reach the observer on a later turn of the event loop. */
const flushGcEntries = () => new Promise((r) => setTimeout(r, 5));

const us = (ms: number) => round(ms * 1000, 1);
function latencySummary(samples: Float64Array) {
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return {
    p50_us: us(percentile(sorted, 50)),
    p99_us: us(percentile(sorted, 99)),
    p999_us: us(percentile(sorted, 99.9)),
    max_us: us(sorted.at(-1) ?? NaN),
  };
}

/** A get that never settles counts as hung, not as a stuck benchmark (a lock left held never releases its waiters). */
const HUNG = Symbol('hung');
function settleWithin<T>(p: Promise<T>, ms: number): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof HUNG>((r) => (timer = setTimeout(() => r(HUNG), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const computeOf = (k: number) => async () => entries[k]!;

/** (a) Every key stored, then gets along the Zipf sequence: all must be memory hits. */
async function memoryHits(cache: BenchCache) {
  for (let k = 0; k < keyCount; k++) await cache.get(keys[k]!, computeOf(k));
  const deadline = () => performance.now() + maxSeconds * 1000;
  let end = deadline();
  for (let i = 0; i < Math.min(ops / 4, 20_000) && performance.now() < end; i++)
    await cache.get(keys[sequence[i % sequence.length]!]!, computeOf(sequence[i % sequence.length]!));

  await flushGcEntries();
  const gcBefore = { ...gcs };
  let notMemory = 0;
  let n = 0;
  end = deadline();
  const started = performance.now();
  for (; n < ops; n++) {
    const k = sequence[n % sequence.length]!;
    if ((await cache.get(keys[k]!, computeOf(k))).layer !== 'memory') notMemory++;
    if ((n & 255) === 0 && performance.now() > end) break;
  }
  const elapsed = performance.now() - started;
  await flushGcEntries();
  const gcRates = {
    minor_per_1k_ops: round(((gcs.minor - gcBefore.minor) * 1000) / n, 3),
    major_per_1k_ops: round(((gcs.major - gcBefore.major) * 1000) / n, 3),
    gc_ms_per_1k_ops: round(((gcs.ms - gcBefore.ms) * 1000) / n, 3),
  };

  const samples = new Float64Array(Math.min(n, 200_000));
  end = deadline();
  let m = 0;
  for (; m < samples.length && performance.now() < end; m++) {
    const k = sequence[(m * 7) % sequence.length]!;
    const t = performance.now();
    await cache.get(keys[k]!, computeOf(k));
    samples[m] = performance.now() - t;
  }
  return {
    ops: n,
    not_memory_hits: notMemory,
    ns_per_op: Math.round((elapsed * 1e6) / n),
    ...gcRates,
    bytes_per_op: await bytesPerOp(cache),
    latency: { samples: m, ...latencySummary(samples.subarray(0, m)) },
  };
}

/** Heap growth per get over batches between forced GCs; a batch during which a GC ran is discarded (and the next halved). */
async function bytesPerOp(cache: BenchCache) {
  const heap = () => process.memoryUsage().heapUsed;
  const measure = async (batch: number, run: boolean) => {
    forceGc();
    await flushGcEntries();
    const seen = gcs.minor + gcs.major;
    const before = heap();
    for (let j = 0; run && j < batch; j++) {
      const k = sequence[j % sequence.length]!;
      await cache.get(keys[k]!, computeOf(k));
    }
    const after = heap();
    await flushGcEntries();
    return gcs.minor + gcs.major === seen ? after - before : undefined;
  };
  const overhead = (await measure(1, false)) ?? 0;
  const perOp: number[] = [];
  let batch = 256;
  for (let attempt = 0; attempt < 30 && perOp.length < 7; attempt++) {
    const grown = await measure(batch, true);
    if (grown === undefined || grown < 0) batch = Math.max(1, batch >> 1);
    else perOp.push((grown - overhead) / batch);
  }
  return perOp.length
    ? Math.round(
        percentile(
          perOp.sort((a, b) => a - b),
          50,
        ),
      )
    : null;
}

/** (b) A new instance reads every key once (from Redis), then once more (from its memory). */
async function redisHits(side: SideSpec, prefix: string) {
  const cache = await side.create(config.redis.url, prefix);
  try {
    const samples = new Float64Array(keyCount);
    const layers: Record<string, number> = {};
    for (let k = 0; k < keyCount; k++) {
      const t = performance.now();
      const { layer } = await cache.get(keys[k]!, computeOf(k));
      samples[k] = performance.now() - t;
      layers[layer] = (layers[layer] ?? 0) + 1;
    }
    const again: Record<string, number> = {};
    let firstError: string | undefined;
    for (let k = 0; k < keyCount; k++) {
      try {
        const read = await settleWithin(cache.get(keys[k]!, computeOf(k)), 5000);
        const layer = read === HUNG ? 'hung' : read.layer;
        again[layer] = (again[layer] ?? 0) + 1;
      } catch (err) {
        again.error = (again.error ?? 0) + 1;
        firstError ??= String(err);
      }
    }
    return {
      first_read_layers: layers,
      ...latencySummary(samples),
      second_read_layers: again,
      ...(firstError ? { second_read_error: firstError } : {}),
    };
  } finally {
    await cache.close();
  }
}

/** (c) Concurrent gets of one missing key whose computation takes 20 ms: how many computations run. */
async function coldBurst(side: SideSpec, prefix: string) {
  const instances = [await side.create(config.redis.url, prefix), await side.create(config.redis.url, prefix)];
  try {
    let computations = 0;
    const compute = async () => {
      computations++;
      await new Promise((r) => setTimeout(r, 20));
      return entries[0]!;
    };
    const burst = async (caches: BenchCache[], key: string) => {
      computations = 0;
      let errors = 0;
      let hung = 0;
      let firstError: string | undefined;
      const latencies = new Float64Array(BURST);
      const started = performance.now();
      await Promise.all(
        Array.from({ length: BURST }, async (_, i) => {
          const t = performance.now();
          try {
            if ((await settleWithin(caches[i % caches.length]!.get(key, compute), 5000)) === HUNG) hung++;
          } catch (err) {
            errors++;
            firstError ??= String(err);
          }
          latencies[i] = performance.now() - t;
        }),
      );
      const sorted = Array.from(latencies).sort((a, b) => a - b);
      const wall = round(performance.now() - started, 1);
      return {
        computations,
        errors,
        hung_over_5_s: hung,
        ...(firstError ? { first_error: firstError } : {}),
        wall_ms: wall,
        p50_ms: round(percentile(sorted, 50), 1),
        max_ms: round(sorted.at(-1)!, 1),
      };
    };
    return {
      one_instance: await burst(instances.slice(0, 1), 'burst:one'),
      two_instances: await burst(instances, 'burst:two'),
    };
  } finally {
    await Promise.all(instances.map((c) => c.close()));
  }
}

/** (d) A and B hold an entry in memory; one listing on it changes: time from the invalidation on A until B serves a new value. */
async function invalidation(side: SideSpec, prefix: string) {
  const [a, b] = [await side.create(config.redis.url, prefix), await side.create(config.redis.url, prefix)];
  const times: number[] = [];
  let timeouts = 0;
  let errors = 0;
  let firstError: string | undefined;
  try {
    for (let r = 0; r < INVALIDATIONS; r++) {
      try {
        const took = await invalidateOnce(side, a, b, r);
        if (took === undefined) timeouts++;
        else times.push(took);
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  const sorted = times.sort((x, y) => x - y);
  const summary = {
    rounds: INVALIDATIONS,
    b_fresh: times.length,
    timeouts,
    errors,
    ...(firstError ? { first_error: firstError } : {}),
  };
  return { ...summary, p50_ms: round(percentile(sorted, 50), 2), max_ms: round(sorted.at(-1) ?? NaN, 2) };
}

/** One round of (d): ms until B served a new value, undefined if it still served the old one after 5 s. */
async function invalidateOnce(side: SideSpec, a: BenchCache, b: BenchCache, r: number): Promise<number | undefined> {
  const key = `inv:${r}`;
  const base = entries[r % keyCount]!;
  const ids = base.ids.map((id) => `inv-${r}-${id}`);
  // Each computation is numbered: B is fresh when it serves one made after the invalidation.
  let computed = 0;
  const compute = async () => ({ ...base, ids, value: { ...(base.value as object), version: ++computed } });
  const version = (read: { value: unknown }) => (read.value as { version: number }).version;
  await a.get(key, compute);
  await b.get(key, compute);
  if ((await b.get(key, compute)).layer !== 'memory') throw new Error(`${side.name}: B does not hold ${key} in memory`);
  const started = performance.now();
  const before = computed;
  const sent = a.invalidate(key, [ids[0]!]);
  let fresh = false;
  while (!fresh && performance.now() - started < 5000) {
    await new Promise((res) => setImmediate(res));
    const read = await settleWithin(b.get(key, compute), 5000);
    fresh = read !== HUNG && version(read) > before;
  }
  const took = performance.now() - started;
  await sent;
  return fresh ? took : undefined;
}

async function dropPrefix(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.unlink(...found);
  } while (cursor !== '0');
}

const redis = new Redis(config.redis.url);
const results: Record<string, unknown[]> = {};
try {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const side of order) {
      const prefix = `bcachelib${runId}${SIDES.indexOf(side)}r${r}`;
      log(`round ${r + 1}: ${side.name}`);
      const sideStarted = performance.now();
      try {
        const cache = await side.create(config.redis.url, prefix);
        let a;
        try {
          a = await memoryHits(cache);
        } finally {
          await cache.close();
        }
        log(`  (a) done at ${round((performance.now() - sideStarted) / 1000, 1)} s`);
        const b = await redisHits(side, prefix);
        const c = await coldBurst(side, prefix);
        log(`  (b), (c) done at ${round((performance.now() - sideStarted) / 1000, 1)} s`);
        const d = await invalidation(side, prefix);
        (results[side.name] ??= []).push({
          round: r + 1,
          memory_hits: a,
          redis_hits: b,
          cold_burst: c,
          invalidation: d,
        });
        log(`  ${side.name}: ${round((performance.now() - sideStarted) / 1000, 1)} s`);
      } finally {
        await dropPrefix(redis, prefix);
      }
    }
  }
  const entryBytes = Math.round(entries.reduce((s, e) => s + JSON.stringify(e).length, 0) / entries.length);
  const result = {
    benchmark: 'cache-library',
    at: new Date().toISOString(),
    machine: '2 cores shared with Elasticsearch, Redis and other benchmarks/tests',
    load_average: loadavg().map((x) => round(x, 2)),
    node: process.version,
    params: {
      ops,
      keys: keyCount,
      items_per_entry: itemsPerEntry,
      entry_json_bytes: entryBytes,
      rounds,
      max_seconds: maxSeconds,
      burst: BURST,
      invalidations: INVALIDATIONS,
      zipf_s: 1,
    },
    config: {
      ttl_s: 30,
      memory_items: 10_000,
      memory_mb: 256,
      bento_grace_s: 60,
      bento_l1_objects_variant: 'no byte bound (bentocache refuses maxSize without serialization)',
    },
    sides: results,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  redis.disconnect();
}
