import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export interface CachedValue<T> {
  value: T;
  /** Listing ids the value shows: a change to any of them drops the entry. */
  ids: string[];
}

export interface CacheStats {
  record(layer: 'memory' | 'redis', result: 'hit' | 'miss'): void;
}

/**
 * Two-layer result cache: a per-process LRU (sub-millisecond, short TTL) in front of Redis (shared by
 * every pod, longer TTL). One fetch per key at a time (single flight), so a burst on a cold key costs
 * one Elasticsearch query. Entries remember the listing ids they show; when the indexer announces
 * changed ids, entries holding them are dropped in both layers, so a sold or deleted listing leaves
 * cached pages as soon as the index has it (new listings appear when an entry expires).
 */
export class ResultCache {
  private readonly memory: LRUCache<string, CachedValue<unknown>>;
  private readonly memoryByListing = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<CachedValue<unknown>>>();

  constructor(
    private readonly redis: Redis,
    private readonly opts: { prefix: string; ttlSeconds: number; memoryItems: number; memoryTtlMs: number; stats?: CacheStats },
  ) {
    this.memory = new LRUCache({
      max: Math.max(1, opts.memoryItems),
      ttl: Math.max(1, opts.memoryTtlMs),
      dispose: (v, key) => this.unindex(key, v.ids),
    });
  }

  private redisKey(key: string) {
    return `${this.opts.prefix}:cache:${key}`;
  }
  private idKey(id: string) {
    return `${this.opts.prefix}:cache-by-listing:${id}`;
  }

  /**
   * The cached value for `key`, or computes and stores it. `ttlSeconds` overrides the Redis TTL for
   * values that change only through listing changes (those are invalidated by id anyway).
   */
  async getOrCompute<T>(key: string, compute: () => Promise<CachedValue<T>>, opts: { ttlSeconds?: number } = {}): Promise<{ value: T; hit: boolean }> {
    const enabled = this.opts.ttlSeconds > 0;
    if (enabled && this.opts.memoryItems > 0) {
      const m = this.memory.get(key);
      this.opts.stats?.record('memory', m ? 'hit' : 'miss');
      if (m) return { value: m.value as T, hit: true };
    }
    const pending = this.inFlight.get(key);
    if (pending) return { value: (await pending).value as T, hit: true };
    const task = (async (): Promise<CachedValue<unknown>> => {
      if (enabled) {
        const raw = await this.redis.get(this.redisKey(key)).catch(() => null);
        this.opts.stats?.record('redis', raw ? 'hit' : 'miss');
        if (raw) {
          const cached = JSON.parse(raw) as CachedValue<unknown>;
          this.remember(key, cached);
          return { ...cached, hitFromRedis: true } as CachedValue<unknown>;
        }
      }
      const fresh = await compute();
      if (enabled) {
        this.remember(key, fresh);
        await this.store(key, fresh, opts.ttlSeconds ?? this.opts.ttlSeconds).catch(() => undefined); // a cache write failure never fails a request
      }
      return fresh;
    })();
    this.inFlight.set(key, task);
    try {
      const result = await task;
      return { value: result.value as T, hit: 'hitFromRedis' in result };
    } finally {
      this.inFlight.delete(key);
    }
  }

  private remember(key: string, value: CachedValue<unknown>) {
    if (this.opts.memoryItems <= 0) return;
    this.memory.set(key, value);
    for (const id of value.ids) {
      let keys = this.memoryByListing.get(id);
      if (!keys) this.memoryByListing.set(id, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, ids: string[]) {
    for (const id of ids) {
      const keys = this.memoryByListing.get(id);
      keys?.delete(key);
      if (keys?.size === 0) this.memoryByListing.delete(id);
    }
  }

  private async store(key: string, value: CachedValue<unknown>, ttlSeconds: number) {
    const rk = this.redisKey(key);
    const tx = this.redis.multi().set(rk, JSON.stringify(value), 'EX', ttlSeconds);
    // GT: an id's index must live as long as the longest entry that shows it.
    for (const id of value.ids) tx.sadd(this.idKey(id), rk).expire(this.idKey(id), ttlSeconds, 'GT').expire(this.idKey(id), ttlSeconds, 'NX');
    await tx.exec();
  }

  /** Drops every entry (both layers) that shows one of these listings. */
  async invalidateListings(ids: string[]): Promise<void> {
    for (const id of ids) for (const key of [...(this.memoryByListing.get(id) ?? [])]) this.memory.delete(key);
    if (ids.length === 0) return;
    const members = await this.redis.pipeline(ids.map((id) => ['smembers', this.idKey(id)])).exec();
    const keys = new Set<string>();
    for (const [, v] of members ?? []) for (const k of (v as string[]) ?? []) keys.add(k);
    const tx = this.redis.pipeline();
    if (keys.size > 0) tx.unlink(...keys);
    tx.unlink(...ids.map((id) => this.idKey(id)));
    await tx.exec();
  }

  clearMemory(): void {
    this.memory.clear();
  }
}
