import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Redis } from 'ioredis';
import { ResultCache, type CachedValue } from '../query-api/src/cache/result-cache.js';

/**
 * The two caches of bench/cache-library.ts behind one small interface: what a search route needs from
 * a cache (a value, computed once, and which layer served it) and what the change notifications need
 * (drop what shows a changed listing, in every instance).
 */
export interface BenchCache {
  get(key: string, compute: () => Promise<CachedValue<unknown>>): Promise<{ value: unknown; layer: string }>;
  /** Starts dropping `key` (which shows `ids`) everywhere; resolves when this instance has sent it. */
  invalidate(key: string, ids: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface SideSpec {
  name: string;
  /** A new instance on the shared Redis (same prefix: same entries); empty memory. */
  create(redisUrl: string, prefix: string): Promise<BenchCache>;
}

const TTL_SECONDS = 30;
const MEMORY_ITEMS = 10_000;
const MEMORY_BYTES = 256 * 1024 * 1024;

/**
 * Ours, configured as production's defaults (core/src/config.ts), and invalidated the way production
 * does it: the indexer publishes changed ids on a channel, every pod's subscriber calls
 * invalidateListings (plugins/cache.ts).
 */
export const resultCacheSide: SideSpec = {
  name: 'result-cache',
  async create(redisUrl, prefix) {
    const redis = new Redis(redisUrl);
    const subscriber = new Redis(redisUrl);
    const channel = `${prefix}:bench-changes`;
    let counted = 0;
    const cache = new ResultCache(redis, {
      namespace: prefix,
      ttlSeconds: TTL_SECONDS,
      memoryItems: MEMORY_ITEMS,
      memoryBytes: MEMORY_BYTES,
      memoryTtlMs: TTL_SECONDS * 1000,
      // Production counts every read in a metric: a counter keeps that call in the measured path.
      stats: { record: () => void counted++ },
    });
    await subscriber.subscribe(channel);
    subscriber.on('message', (_ch, message: string) => void cache.invalidateListings(JSON.parse(message) as string[]));
    return {
      get: async (key, compute) => {
        const r = await cache.getOrCompute(key, compute);
        return { value: r.value, layer: r.layer };
      },
      invalidate: async (_key, ids) => void (await redis.publish(channel, JSON.stringify(ids))),
      close: async () => {
        await subscriber.quit();
        await redis.quit();
      },
    };
  },
};

interface BentoOptions {
  /** Keep parsed objects in L1 (bentocache's `serialize: false`): no JSON.parse per hit, but no byte bound. */
  objectsInL1?: boolean;
  /** Tag each entry with the listing ids it shows (what "drop by listing id" becomes in bentocache). */
  tagsByListing?: boolean;
}

/**
 * bentocache 1.6.1 as close to ours as it goes: L1 memory (10,000 items, 256 MB when serialized), L2
 * Redis, a Redis bus between instances, TTL 30 s; grace 60 s with the default soft timeout 0 is its
 * stale-while-revalidate, the nearest thing to our refresh-ahead (grace must outlive the TTL: it is
 * the physical TTL). The read's layer comes from its `cache:hit` event (emitted just before the value
 * is returned); nothing else in its API says it.
 */
export function bentoSide(name: string, opts: BentoOptions): SideSpec {
  return {
    name,
    async create(redisUrl, prefix) {
      const connection = new Redis(redisUrl);
      const l1 = opts.objectsInL1
        ? memoryDriver({ maxItems: MEMORY_ITEMS, serialize: false })
        : memoryDriver({ maxItems: MEMORY_ITEMS, maxSize: MEMORY_BYTES });
      const bento = new BentoCache({
        default: 'results',
        prefix,
        ttl: `${TTL_SECONDS}s`,
        grace: `${TTL_SECONDS * 2}s`,
        stores: {
          results: bentostore()
            .useL1Layer(l1)
            .useL2Layer(redisDriver({ connection }))
            .useBus(redisBusDriver({ connection })),
        },
      });
      let layer = 'miss';
      let reading = '';
      // Tag lookups emit hits of their own (keys ___bc:t:<tag>): only the entry's counts.
      bento.on('cache:hit', (e) => void (e.key === reading && (layer = e.layer === 'l1' ? 'memory' : 'redis')));
      const cache = bento.use('results');
      // The bus subscribes asynchronously: an instance that misses the first messages would make (d) unfair.
      await new Promise((r) => setTimeout(r, 200));
      return {
        get: async (key, compute) => {
          layer = 'miss';
          reading = key;
          const value = await cache.getOrSet({
            key,
            factory: async (ctx) => {
              const computed = await compute();
              if (opts.tagsByListing) ctx.setTags(computed.ids);
              return computed;
            },
          });
          return { value: value.value, layer };
        },
        invalidate: async (key, ids) => {
          if (opts.tagsByListing) await cache.deleteByTag({ tags: ids });
          else await cache.delete({ key });
        },
        close: () => bento.disconnect(),
      };
    },
  };
}

export const SIDES: SideSpec[] = [
  resultCacheSide,
  bentoSide('bentocache', {}),
  bentoSide('bentocache-objects-in-l1', { objectsInL1: true }),
  bentoSide('bentocache-tags', { tagsByListing: true }),
];
