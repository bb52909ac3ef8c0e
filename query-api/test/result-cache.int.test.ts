import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanupRedis, testConfig } from '../../test/support/services.js';
import type { ChangedListing } from '../src/cache/entry-scope.js';
import { ResultCache } from '../src/cache/result-cache.js';
import { changedListing } from './changed-listing.js';

const config = testConfig();
const redis = new Redis(config.redis.url);
afterAll(async () => {
  await cleanupRedis(config);
  redis.disconnect();
});

const cacheOf = (memoryTtlMs: number, refreshConcurrency?: number) =>
  new ResultCache(redis, {
    namespace: config.redis.namespace,
    ttlSeconds: 30,
    memoryItems: 100,
    memoryTtlMs,
    refreshConcurrency,
  });
const counter = () => {
  let calls = 0;
  return { compute: async () => ({ value: ++calls, ids: ['l-1'] }), calls: () => calls };
};

describe('result cache', () => {
  it('serves a value once per key until it expires in Redis, then computes it again', async () => {
    const cache = cacheOf(60_000);
    const c = counter();
    expect((await cache.getOrCompute('k-expire', c.compute, { ttlSeconds: 1 })).value).toBe(1);
    expect((await cache.getOrCompute('k-expire', c.compute, { ttlSeconds: 1 })).hit).toBe(true);
    // A second process reads it from Redis and keeps it only for what is left of the Redis TTL.
    const other = cacheOf(60_000);
    expect((await other.getOrCompute('k-expire', c.compute, { ttlSeconds: 1 })).value).toBe(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await cache.getOrCompute('k-expire', c.compute, { ttlSeconds: 1 })).value).toBe(2);
    expect((await other.getOrCompute('k-expire', c.compute, { ttlSeconds: 1 })).value).toBe(2);
    expect(c.calls()).toBe(2);
  });

  it('computes a key missed by two processes at once in one of them: the other waits for its value', async () => {
    const [a, b] = [cacheOf(60_000), cacheOf(60_000)];
    let calls = 0;
    const slow = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 150));
      return { value: `v${calls}`, ids: ['l-1'] };
    };
    const [fromA, fromB] = await Promise.all([a.getOrCompute('k-lease', slow), b.getOrCompute('k-lease', slow)]);
    expect(calls).toBe(1);
    expect([fromA.value, fromB.value]).toEqual(['v1', 'v1']);
    expect([fromA.layer, fromB.layer].sort()).toEqual(['miss', 'redis']);
    // The lease ends with the computation: nothing is left to make a later miss wait.
    expect(await redis.exists(`${config.redis.namespace}:cache-lease:k-lease`)).toBe(0);
  });

  it('computes in the waiting process at once when the lease holder fails, not after the lease', async () => {
    const [a, b] = [cacheOf(60_000), cacheOf(60_000)];
    const failing = async (): Promise<{ value: string; ids: string[] }> => {
      await new Promise((r) => setTimeout(r, 100));
      throw new Error('search failed');
    };
    const started = Date.now();
    const holder = a.getOrCompute('k-lease-fail', failing).catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 20)); // a holds the lease
    const waiter = await b.getOrCompute('k-lease-fail', async () => ({ value: 'mine', ids: ['l-1'] }));
    expect(await holder).toMatchObject({ message: 'search failed' });
    expect(waiter).toMatchObject({ value: 'mine', layer: 'miss' });
    expect(Date.now() - started).toBeLessThan(1_000); // the lease is 2 s
    // The waiter took the lease the holder let go, and its store released it.
    expect(await redis.exists(`${config.redis.namespace}:cache-lease:k-lease-fail`)).toBe(0);
  });

  it('peeks at what it would serve without computing: in memory, from another process through Redis, gone once dropped', async () => {
    const cache = cacheOf(60_000);
    const other = cacheOf(60_000);
    const c = counter();
    expect(await cache.peek('k-peek')).toBeUndefined();
    await cache.getOrCompute('k-peek', c.compute);
    expect(await cache.peek('k-peek')).toBe(1);
    expect(await other.peek('k-peek')).toBe(1);
    await cache.invalidateListings(['l-1']);
    await other.invalidateListings(['l-1']);
    expect(await cache.peek('k-peek')).toBeUndefined();
    expect(await other.peek('k-peek')).toBeUndefined();
    expect(c.calls()).toBe(1);
  });

  it('drops an entry from memory and Redis when a listing on it changes', async () => {
    const cache = cacheOf(60_000);
    const other = cacheOf(60_000);
    const c = counter();
    await cache.getOrCompute('k-listing', c.compute);
    await other.getOrCompute('k-listing', c.compute);
    await cache.invalidateListings(['l-1']);
    await other.invalidateListings(['l-1']); // each pod hears the change notification
    await new Promise((r) => setTimeout(r, 5)); // computed after the change (same millisecond counts as unsettled)
    expect((await other.getOrCompute('k-listing', c.compute)).value).toBe(2);
    expect((await cache.getOrCompute('k-listing', c.compute)).value).toBe(2);
  });

  it('keys entries by index generation: nothing computed on the old index is served after a swap', async () => {
    const cache = cacheOf(60_000);
    const other = cacheOf(60_000);
    cache.setGeneration('listings-v1');
    other.setGeneration('listings-v1');
    const c = counter();
    await cache.getOrCompute('k-gen', c.compute);
    expect((await other.getOrCompute('k-gen', c.compute)).value).toBe(1); // shared in Redis
    let release!: () => void;
    let started!: () => void;
    const computing = new Promise<void>((r) => (started = r));
    const slow = cache.getOrCompute('k-gen-slow', async () => {
      started();
      await new Promise<void>((r) => (release = r));
      return { value: 'old index', ids: ['l-g'] };
    });
    await computing; // on the old index when the swap comes
    cache.setGeneration('listings-v2');
    other.setGeneration('listings-v2');
    release();
    expect((await slow).value).toBe('old index'); // its caller gets it ...
    expect((await cache.getOrCompute('k-gen-slow', async () => ({ value: 'new index', ids: ['l-g'] }))).value).toBe(
      'new index',
    ); // ... nobody after the swap
    expect((await cache.getOrCompute('k-gen', c.compute)).value).toBe(2);
    expect((await other.getOrCompute('k-gen', c.compute)).value).toBe(2);
  });

  it('keeps its in-process layer within a byte budget, serving the rest from Redis', async () => {
    const layers: string[] = [];
    const cache = new ResultCache(redis, {
      namespace: config.redis.namespace,
      ttlSeconds: 30,
      memoryItems: 100,
      memoryBytes: 3500,
      memoryTtlMs: 60_000,
      stats: { record: (layer, result) => layers.push(`${layer} ${result}`) },
    });
    const big = (n: number) => async () => ({ value: 'x'.repeat(1000) + n, ids: [`l-b${n}`] }); // ~1.1 KB as JSON
    for (let n = 1; n <= 5; n++) await cache.getOrCompute(`k-budget-${n}`, big(n));
    layers.length = 0;
    expect((await cache.getOrCompute('k-budget-5', big(0))).value.endsWith('5')).toBe(true);
    expect(layers).toEqual(['memory hit']); // the newest fit
    layers.length = 0;
    const oldest = await cache.getOrCompute('k-budget-1', big(0));
    expect(oldest).toEqual({ value: 'x'.repeat(1000) + 1, hit: true, layer: 'redis' }); // evicted from memory, still shared in Redis
    expect(layers).toEqual(['memory miss', 'redis hit']);
    // What api_cache_memory_* report: within the byte budget, fewer entries than were computed.
    const usage = cache.memoryUsage();
    expect(usage.bytes).toBeGreaterThan(2000);
    expect(usage.bytes).toBeLessThanOrEqual(3500);
    expect(usage.entries).toBeGreaterThanOrEqual(2);
    expect(usage.entries).toBeLessThan(5);
  });

  it('recomputes a value read near its expiry in the background, serving the current one meanwhile', async () => {
    const cache = cacheOf(60_000);
    const c = counter();
    await cache.getOrCompute('k-ahead', c.compute, { ttlSeconds: 2 });
    await new Promise((r) => setTimeout(r, 1850)); // less than a tenth of its life left: always refreshed
    const near = await cache.getOrCompute('k-ahead', c.compute, { ttlSeconds: 2 });
    expect(near).toEqual({ value: 1, hit: true, layer: 'memory' });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.calls()).toBe(2);
    await new Promise((r) => setTimeout(r, 400)); // past the first value's expiry
    expect(await cache.getOrCompute('k-ahead', c.compute, { ttlSeconds: 2 })).toEqual({
      value: 2,
      hit: true,
      layer: 'memory',
    });
    expect(c.calls()).toBe(2);
  });

  it('extends an entry near expiry that its revalidation finds current, up to 4 TTLs from its computation in any process', async () => {
    const cache = cacheOf(60_000);
    const c = counter();
    const checks: Array<{ computedAt: number; since: number }> = [];
    const revalidate = async (entry: { computedAt?: number }, since: number) => {
      checks.push({ computedAt: entry.computedAt!, since });
      return true;
    };
    const read = () => cache.getOrCompute('k-revalidate', c.compute, { ttlSeconds: 2, revalidate });
    const firstComputed = Date.now();
    await read();
    for (let round = 1; round <= 3; round++) {
      await new Promise((r) => setTimeout(r, 1850)); // under a tenth of its life left: always due
      expect(await read()).toEqual({ value: 1, hit: true, layer: 'memory' });
      await vi.waitFor(() => expect(checks).toHaveLength(round), { timeout: 300, interval: 5 });
    }
    expect(c.calls()).toBe(1); // 5.5 s on a 2 s TTL, computed once
    // Each check looks back from the previous one (or the computation), never from later.
    expect(checks[0]!.since).toBeLessThanOrEqual(firstComputed);
    expect(checks[1]!.since).toBeLessThan(checks[1]!.computedAt);
    expect(checks[1]!.computedAt).toBeGreaterThan(checks[0]!.computedAt);
    // The shared copy lives on too: another process reads it from Redis, and knows how old it is.
    const other = cacheOf(60_000);
    const readOther = () => other.getOrCompute('k-revalidate', c.compute, { ttlSeconds: 2, revalidate });
    expect((await readOther()).layer).toBe('redis');
    await new Promise((r) => setTimeout(r, 1850));
    await readOther(); // another TTL would take it past 4 TTLs from its computation: recomputed, not checked
    await vi.waitFor(() => expect(c.calls()).toBe(2), { timeout: 300, interval: 5 });
    expect(checks).toHaveLength(3);
  });

  it('recomputes an entry near expiry when its revalidation finds a write or fails', async () => {
    for (const [key, revalidate] of [
      ['k-written', async () => false],
      ['k-check-failed', async () => Promise.reject(new Error('Elasticsearch down'))],
    ] as const) {
      const cache = cacheOf(60_000);
      const c = counter();
      await cache.getOrCompute(key, c.compute, { ttlSeconds: 2, revalidate });
      await new Promise((r) => setTimeout(r, 1850));
      expect((await cache.getOrCompute(key, c.compute, { ttlSeconds: 2, revalidate })).value).toBe(1);
      await vi.waitFor(() => expect(c.calls()).toBe(2), { timeout: 300, interval: 5 });
    }
  });

  it('never merely revalidates an entry a change may have entered: it is recomputed', async () => {
    const cache = cacheOf(60_000);
    let calls = 0;
    let checks = 0;
    const compute = async () => ({ value: ++calls, ids: ['l-r'], scope: [{ status: 'on_sale', q: 'tweed blazer' }] });
    const revalidate = async () => (checks++, true);
    await cache.getOrCompute('k-corrected', compute, { revalidate });
    await cache.getOrCompute('k-corrected', compute, { revalidate }); // read: hot
    const blazer = changedListing({ id: 'l-blazer', text: 'Tweed blazer, wool', createdAt: Date.now() });
    await new Promise((r) => setTimeout(r, 5));
    expect(await cache.changeSearchable(cache.noteChange([blazer]))).toBe(1);
    await vi.waitFor(async () =>
      expect((await cache.getOrCompute('k-corrected', compute, { revalidate })).value).toBe(2),
    );
    expect(checks).toBe(0);
  });

  it("keeps a listing's index of entries as long as the longest entry showing it", async () => {
    const cache = cacheOf(60_000);
    const shows = (value: number) => async () => ({ value, ids: ['l-ttl'] });
    const indexTtl = () => redis.ttl(`${config.redis.namespace}:cache-by-listing:l-ttl`);
    await cache.getOrCompute('k-ttl-30', shows(1), { ttlSeconds: 30 });
    expect(await indexTtl()).toBeGreaterThan(25);
    await cache.getOrCompute('k-ttl-2', shows(2), { ttlSeconds: 2 });
    expect(await indexTtl()).toBeGreaterThan(25); // a shorter entry does not shorten it
    await cache.getOrCompute('k-ttl-90', shows(3), { ttlSeconds: 90 });
    expect(await indexTtl()).toBeGreaterThan(85);
    expect(await redis.smembers(`${config.redis.namespace}:cache-by-listing:l-ttl`)).toHaveLength(3);
  });

  it('spreads the background recomputations of entries filled together over time', async () => {
    const cache = cacheOf(60_000);
    const c = counter();
    const keys = Array.from({ length: 40 }, (_, i) => `k-spread-${i}`);
    for (const k of keys) await cache.getOrCompute(k, c.compute, { ttlSeconds: 2 });
    await new Promise((r) => setTimeout(r, 1500)); // a quarter of their life left: about half are due
    for (const k of keys) await cache.getOrCompute(k, c.compute, { ttlSeconds: 2 });
    await new Promise((r) => setTimeout(r, 50));
    const refreshed = c.calls() - keys.length;
    expect(refreshed).toBeGreaterThan(0);
    expect(refreshed).toBeLessThan(keys.length);
  });

  it('runs a few background recomputations at once and the others after them, before the entries expire', async () => {
    const cache = cacheOf(60_000, 2);
    let running = 0;
    let mostAtOnce = 0;
    let calls = 0;
    const compute = async () => {
      calls++;
      mostAtOnce = Math.max(mostAtOnce, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return { value: calls, ids: ['l-q'] };
    };
    const keys = Array.from({ length: 6 }, (_, i) => `k-queue-${i}`);
    for (const k of keys) await cache.getOrCompute(k, compute, { ttlSeconds: 4 });
    mostAtOnce = 0;
    await new Promise((r) => setTimeout(r, 3650)); // under a tenth of their life left: every one is due
    for (const k of keys) expect((await cache.getOrCompute(k, compute, { ttlSeconds: 4 })).hit).toBe(true);
    await vi.waitFor(() => expect(calls).toBe(12), { timeout: 300, interval: 5 }); // three turns of two, before expiry
    expect(mostAtOnce).toBe(2);
    await new Promise((r) => setTimeout(r, 300)); // past the first values' expiry: the recomputed ones are served
    for (const k of keys) expect(await cache.getOrCompute(k, compute, { ttlSeconds: 4 })).toMatchObject({ hit: true });
    expect(calls).toBe(12);
  });

  it('does not refresh ahead when only the in-process copy is near its end, not the shared entry', async () => {
    const cache = cacheOf(1000); // in-process copies capped at 1 s, the Redis entry lives 30 s
    const c = counter();
    await cache.getOrCompute('k-cap', c.compute, { ttlSeconds: 30 });
    await cache.getOrCompute('k-cap', c.compute, { ttlSeconds: 30 });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.calls()).toBe(1);
  });

  it('does not cache a value when a listing on it changed while it was computed', async () => {
    const cache = cacheOf(60_000);
    let calls = 0;
    const slow = async () => {
      calls++;
      if (calls === 1) await cache.invalidateListings(['l-9']); // the change lands mid-computation
      return { value: calls, ids: ['l-9'] };
    };
    expect((await cache.getOrCompute('k-race', slow)).value).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    expect((await cache.getOrCompute('k-race', slow)).value).toBe(2);
    expect((await cache.getOrCompute('k-race', slow)).value).toBe(2);
  });

  it('does not cache a value showing a listing changed too recently for the index to show it', async () => {
    const cache = new ResultCache(redis, {
      namespace: config.redis.namespace,
      ttlSeconds: 30,
      memoryItems: 100,
      memoryTtlMs: 60_000,
      changeVisibleAfterMs: 300,
    });
    const c = { n: 0, compute: async () => ({ value: ++c.n, ids: ['l-7'] }) };
    await cache.invalidateListings(['l-7']); // announced after the bulk, before the index refresh
    expect((await cache.getOrCompute('k-settle', c.compute)).value).toBe(1);
    expect((await cache.getOrCompute('k-settle', c.compute)).value).toBe(2);
    await new Promise((r) => setTimeout(r, 350));
    expect((await cache.getOrCompute('k-settle', c.compute)).value).toBe(3);
    expect((await cache.getOrCompute('k-settle', c.compute)).value).toBe(3);
  });

  it('never serves an entry computed before a change to a listing it shows, even one invalidation missed', async () => {
    const cache = cacheOf(60_000);
    await cache.invalidateListings(['l-5']);
    // An entry another process wrote from a computation that started before the change, landing after
    // the invalidation had already run.
    const stale = { value: 'before the change', ids: ['l-5'], computedAt: Date.now() - 5_000 };
    await redis.set(`${config.redis.namespace}:cache:k-missed`, JSON.stringify(stale), 'EX', 30);
    const got = await cache.getOrCompute('k-missed', async () => ({ value: 'after the change', ids: ['l-5'] }));
    expect(got).toEqual({ value: 'after the change', hit: false, layer: 'miss' });
  });

  it('recomputes a hot entry a new listing may enter in the background, serving it as it was meanwhile; drops a cold one', async () => {
    const cache = cacheOf(60_000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const scoped = (gated: boolean) => async () => {
      calls++;
      if (gated && calls > 1) await gate;
      return { value: calls, ids: ['l-9'], scope: [{ status: 'on_sale', q: 'denim jacket' }] };
    };
    const hot = scoped(true);
    await cache.getOrCompute('k-hot', hot);
    expect((await cache.getOrCompute('k-hot', hot)).hit).toBe(true); // read: hot
    const cold = async () => ({ value: 'cold', ids: ['l-9'], scope: [{ status: 'on_sale', q: 'denim jacket' }] });
    await cache.getOrCompute('k-cold', cold); // computed, never read since
    const jacket = changedListing({ id: 'l-new', text: 'Vintage denim jacket', createdAt: Date.now() });
    await new Promise((r) => setTimeout(r, 5));
    const change = cache.noteChange([jacket]);
    expect(await cache.changeSearchable(change)).toBe(2);
    // The hot entry is being recomputed (held at the gate): reads still get it as it was, as hits.
    expect(await cache.getOrCompute('k-hot', hot)).toEqual({ value: 1, hit: true, layer: 'memory' });
    release();
    await vi.waitFor(async () => expect((await cache.getOrCompute('k-hot', hot)).value).toBe(2));
    expect((await cache.getOrCompute('k-cold', cold)).layer).toBe('miss');
  });

  it('serves a hot entry as it was while its correction waits for a slot', async () => {
    const cache = cacheOf(60_000, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const computeOf = (name: string) => {
      let calls = 0;
      return async () => {
        if (++calls > 1) {
          started.push(name);
          await gate;
        }
        return { value: `${name}${calls}`, ids: [`l-${name}`], scope: [{ status: 'on_sale', q: 'wool scarf' }] };
      };
    };
    const computes = { a: computeOf('a'), b: computeOf('b') };
    for (const [name, compute] of Object.entries(computes)) {
      await cache.getOrCompute(`k-slot-${name}`, compute);
      await cache.getOrCompute(`k-slot-${name}`, compute); // read: hot
    }
    await new Promise((r) => setTimeout(r, 5));
    const scarf = changedListing({ id: 'l-scarf', text: 'Wool scarf', createdAt: Date.now() });
    // Both are corrected; the one slot runs one correction, the other waits in the queue.
    expect(await cache.changeSearchable(cache.noteChange([scarf]))).toBe(2);
    expect(started).toHaveLength(1);
    const queued = started[0] === 'a' ? 'b' : 'a';
    expect(await cache.getOrCompute(`k-slot-${queued}`, computes[queued])).toEqual({
      value: `${queued}1`,
      hit: true,
      layer: 'memory',
    });
    release();
    for (const name of ['a', 'b'] as const) {
      await vi.waitFor(async () =>
        expect((await cache.getOrCompute(`k-slot-${name}`, computes[name])).value).toBe(`${name}2`),
      );
    }
  });

  it('stops serving an entry being recomputed for a change once the recomputation is late', async () => {
    const cache = cacheOf(60_000);
    let calls = 0;
    const never = new Promise<void>(() => undefined);
    const compute = async () => {
      calls++;
      if (calls > 1) await never; // the background recomputation never finishes
      return { value: calls, ids: ['l-10'], scope: [{ status: 'on_sale' }] };
    };
    await cache.getOrCompute('k-late', compute);
    await cache.getOrCompute('k-late', compute);
    await new Promise((r) => setTimeout(r, 5));
    const everything = changedListing({ id: 'l-any', text: 'toy', createdAt: Date.now() });
    await cache.changeSearchable(cache.noteChange([everything]));
    expect((await cache.getOrCompute('k-late', compute)).hit).toBe(true);
    await new Promise((r) => setTimeout(r, 600)); // past STALE_WHILE_REFRESHING_MS
    const late = cache.getOrCompute('k-late', async () => ({ value: 'fresh', ids: ['l-10'] }));
    // Not from memory any more: it joins the recomputation in flight (the single flight), never the old value.
    const outcome = await Promise.race([
      late.then((r) => r.layer),
      new Promise((r) => setTimeout(() => r('waiting'), 100)),
    ]);
    expect(outcome).toBe('waiting');
  });

  it('tells a new vector from a new text: only a vector at a version already matched by words is vector-only', async () => {
    const cache = cacheOf(60_000);
    // Changes are remembered as long as an entry could need them: with nothing cached yet they are
    // forgotten within the millisecond, and whether the text's pass was still there depended on timing.
    await cache.getOrCompute(`vector-only-${Date.now()}`, async () => ({ value: 1, ids: [] }));
    const text = cache.noteChange([changedListing({ id: 'v-1', version: 7 })]);
    const early = cache.noteChange([changedListing({ id: 'v-1', version: 7, embedding: 'AAAA' })]);
    // Its words' pass has not found the text searchable yet: the vector's pass must match in full.
    expect((early.listings as ChangedListing[])[0]!.vectorOnly).toBeUndefined();
    await cache.changeSearchable(text);
    const vector = cache.noteChange([changedListing({ id: 'v-1', version: 7, embedding: 'AAAA' })]);
    expect((vector.listings as ChangedListing[])[0]!.vectorOnly).toBe(true);
    const newer = cache.noteChange([changedListing({ id: 'v-1', version: 8, embedding: 'AAAA' })]);
    expect((newer.listings as ChangedListing[])[0]!.vectorOnly).toBeUndefined();
  });
});
