// Why not bentocache (issue 24; bench/cache-library.ts, docs/benchmarks.md). Its memory hit JSON-parses the entry:
// p50 230-300 µs, ~98 KB allocated per hit of an 80 KB window (ours 0.4 µs, 1.5 KB). `serialize: false` (3.4 µs) has
// no byte bound and in 1.6.1 throws on memory reads of entries refilled from Redis, once leaving the key locked (its
// issue #111). Drop by listing means a tag per listing, 200 lookups per hit (p50 0.9-1.4 ms). Nothing in it can run the
// scope drops over memory entries or check Redis reads against recent changes (issue 20); a read's layer is in events.
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { redisKeys, type RedisKeys } from '../../../core/src/index.js';
import { execPipeline } from '../../../core/src/redis-pipeline.js';
import {
  MatchMemo,
  mayEnter,
  type Bm25Check,
  type ChangedListing,
  type EntryCause,
  type EntryScope,
} from './entry-scope.js';
import { checksAtOrAboveCut, type Bm25Scorer } from './bm25-cut.js';
import { RefreshScheduler, type RefreshJob } from './refresh-scheduler.js';

export interface CachedValue<T> {
  value: T;
  /** Listing ids the value shows: a change to any of them drops the entry. */
  ids: string[];
  /** What listings, new or changed, could enter it (any scope matching drops the entry); absent: none can. */
  scope?: EntryScope[];
  /** When its computation started (epoch ms): set by the cache. */
  computedAt?: number;
}

/**
 * Share of an entry's life left when a read starts its background recomputation: drawn per entry
 * between these bounds. Entries filled together (a deploy, a flushed Redis, a benchmark's warm-up)
 * would otherwise all be recomputed in the same instant, and again one TTL later, forever: dozens of
 * heavy searches at once stall Elasticsearch and the API's event loop. Spread, they are a steady trickle.
 */
const REFRESH_AHEAD_SHARE = { min: 0.1, max: 0.4 };
/**
 * Changed listings remembered for checking entries read from Redis (see matchesRecentChange): at most
 * this many, each batch as long as the longest entry lives. Past the cap the oldest go, and an entry
 * computed before what is still remembered counts as possibly stale (recomputed, never served stale).
 */
const MAX_REMEMBERED_CHANGES = 20_000;
/**
 * A change may enter an entry read this recently: the entry is recomputed in the background at once and
 * served as it was meanwhile, instead of being dropped. Dropping a hot entry turns its next reads into
 * misses (all of them waiting on one search); at 2.6 new listings a second, each entering a few head
 * queries, that alone cost 6 points of hit rate at 300 req/s. Colder entries are dropped as before.
 */
const REFRESH_IF_READ_WITHIN_MS = 5_000;
/**
 * How long such an entry may still be served while its recomputation runs (a slow search): past it, a
 * read drops the entry and waits for the recomputation (a miss), so what a change may enter stays
 * behind by at most this much on top of the index's own refresh.
 */
const STALE_WHILE_REFRESHING_MS = 500;
/**
 * A refresh near expiry first asks whether anything the entry was computed from was written since
 * (RefreshJob.revalidate: one small Elasticsearch request on the index's write times) and only extends
 * the entry by a TTL when nothing was, as long as that keeps it within this many TTLs of its last full
 * computation (whichever pod extends it: the stored value keeps that time); past it, it is recomputed.
 * Changes reach entries through the notifications (drops and corrections); the refresh only bounds what a
 * lost notification or a change nothing can see costs (a listing that enters only as a kNN candidate, a
 * listing's age in the features), and with revalidation that bound is this many TTLs. Recomputing every
 * hot entry every TTL was a full search each (BM25 over the catalog, facets, re-ranking): on shared cores
 * the cache-hit tail (docs/benchmarks.md, "Revalidating hot entries").
 */
const MAX_AGE_TTLS = 4;
/** Write times come from the indexer's clock: a revalidation looks this much further back for skew. */
const WRITE_CLOCK_SKEW_MS = 500;
/**
 * A miss in both layers takes a lease in Redis before computing (as Facebook's memcache leases): another process
 * that misses the same key meanwhile waits for the value, polling every LEASE_POLL_MS, instead of computing it
 * again. Single flight covers one process; pods each computed a shared key after it was dropped (the trending
 * list, a popular list, a hot query) and, in the latency bench, both replicas built the same person's feed
 * (docs/benchmarks.md, "What the windows with profile changes ask of this machine"). A lease outlives a
 * crashed holder by at most this; a waiter takes the lease and computes once it is gone without a value (the
 * holder failed, or did not store a value a change may be on), or computes without one after this long.
 */
const COMPUTE_LEASE_MS = 2_000;
const LEASE_POLL_MS = 10;

/**
 * Extends an entry (KEYS[1]) and its per-listing index keys (KEYS[2..]) to a new TTL (seconds, ARGV[1]).
 * Returns 0 when the entry is gone (dropped by another pod, evicted): it is then stored again in full.
 */
const EXTEND_SCRIPT = `
local ttl = tonumber(ARGV[1])
if redis.call('EXPIRE', KEYS[1], ttl) == 0 then return 0 end
for i = 2, #KEYS do
  if redis.call('TTL', KEYS[i]) < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
end
return 1`;

/**
 * Stores an entry and adds it to the per-listing index of every listing it shows, in one round trip
 * run inside Redis: as separate commands (SADD + two EXPIREs per listing, 600 for a 200-item window)
 * building and parsing them cost the API about a millisecond of event-loop time per store.
 * KEYS[1]: the entry; KEYS[2]: its lease (COMPUTE_LEASE_MS), released with the store when ARGV[3] is 1;
 * KEYS[3..]: per-listing index keys. ARGV[1]: the value; ARGV[2]: TTL in seconds.
 * An index key must live as long as the longest entry that shows its listing: its TTL only grows.
 */
const STORE_SCRIPT = `
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
if ARGV[3] == '1' then redis.call('DEL', KEYS[2]) end
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('TTL', KEYS[i]) < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
end
return #KEYS - 2`;

/**
 * A miss in memory reads the shared entry and, when there is none, takes the lease on computing it, in one
 * round trip (a read, then a SET NX, were two on every miss of both layers: a feed build, a first similar
 * list). KEYS[1]: the entry; KEYS[2]: its lease. ARGV[1]: the lease's life in ms. Returns the value (nil
 * when absent), its PTTL, and, when absent, 1 if this caller took the lease, 0 if another holds it.
 */
const READ_OR_LEASE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if v then return {v, t, 0} end
local taken = redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[1]), 'NX')
return {false, t, taken and 1 or 0}`;

/**
 * An entry in process memory. `readAt`: its last hit (see REFRESH_IF_READ_WITHIN_MS); `staleSince`: a
 * searchable change may belong on it, so it is being recomputed (see STALE_WHILE_REFRESHING_MS).
 */
type MemoryEntry = CachedValue<unknown> & {
  refreshAt: number;
  /** How it is computed again (the caller's closure, kept while the entry lives in memory). */
  recompute: RefreshJob<CachedValue<unknown>>;
  /** Its JSON length (the memory layer's budget counts it). */
  bytes: number;
  /** When it was last computed in full (`computedAt` moves with each revalidation; see MAX_AGE_TTLS). */
  computedInFullAt?: number;
  readAt?: number;
  staleSince?: number;
};

type StoringRedis = Redis & {
  storeCacheEntry(numKeys: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  extendCacheEntry(numKeys: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  readOrLeaseCacheEntry(
    numKeys: number,
    ...keysAndArgs: Array<string | number>
  ): Promise<[string | null, number, number]>;
};

/**
 * Whether this process computes a missed key under the lease ('taken': waiters poll for its value), while
 * another process does ('held'), or without one ('none': Redis failed the read, or its value was there but
 * may not be served; nobody waits on this computation).
 */
type Lease = 'taken' | 'held' | 'none';

/**
 * Which layer answered a read: the process's memory, Redis, a computation already in flight (single
 * flight), or none (computed). Search answers say it (x-cache).
 */
export type CacheLayer = 'memory' | 'redis' | 'shared' | 'miss';

/** A batch of changed listings the cache heard of, and when searches began to show it. */
export interface RecordedChange {
  at: number;
  listings: ChangedListing[] | 'all';
  searchableAt?: number;
}

export interface CacheStats {
  record(layer: 'memory' | 'redis', result: 'hit' | 'miss'): void;
  /** A hot entry near its expiry started its background recomputation. */
  refreshing?(): void;
  /** A refresh asked whether the entry is still current: unchanged (extended), changed or failed (recomputed). */
  revalidated?(outcome: 'unchanged' | 'changed' | 'failed'): void;
  /** How many due entries wait for a background recomputation slot. */
  refreshQueue?(size: number): void;
  /** Entries dropped because a new or changed listing may now belong on them. */
  scopeDrops?(count: number): void;
  /** Entries recomputed in the background (served as they were meanwhile) for the same reason. */
  scopeRefreshes?(count: number): void;
  /** Why entries in memory were corrected: what tells a costly kind of scope (EntryCause). */
  scopeMatches?(cause: EntryCause, count: number): void;
  /** Entries whose only matches were words under a BM25 cut, by what Elasticsearch's scores said. */
  bm25Checks?(outcome: 'entered' | 'below_cut' | 'failed', count: number): void;
}

/**
 * Two-layer result cache: a per-process LRU (sub-millisecond, lives as long as the Redis entry, capped)
 * in front of Redis (shared by every pod). One fetch per key at a time (single flight), and across pods one
 * computation per miss (a lease in Redis, COMPUTE_LEASE_MS), so a burst on a cold key costs one Elasticsearch
 * query. Entries remember the listing ids they show; when the indexer announces
 * changed ids, entries holding them are dropped in both layers, so a sold or deleted listing leaves
 * cached pages as soon as the index has it. Entries also carry a scope (what could enter them): a new or
 * changed listing corrects those it may now enter once searches can see it (noteChange, changeSearchable):
 * hot ones are recomputed in the background, the others dropped.
 */
export class ResultCache {
  /** In-process entries, with when a read should start recomputing them (before their Redis entry expires). */
  private readonly memory: LRUCache<string, MemoryEntry>;
  private readonly keys: RedisKeys;
  private readonly memoryByListing = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<CachedValue<unknown>>>();
  private readonly refreshes: RefreshScheduler<CachedValue<unknown>>;
  /** When each listing last changed (epoch ms; this process hears every change): see showsRecentChange. */
  private readonly recentChanges = new LRUCache<string, number>({ max: 100_000, ttl: 120_000 });
  /** Changed listings with what scopes match on, oldest first (see noteChange). */
  private changeLog: RecordedChange[] = [];
  private changeLogSize = 0;
  /** Changes before this time may have been forgotten: entries computed earlier are not trusted. */
  private changeLogHorizon = 0;
  private longestTtlMs = 0;
  private generation = '';

  constructor(
    private readonly redis: Redis,
    private readonly opts: {
      /** The Redis namespace (config.redis.namespace): entries are redisKeys(namespace).cacheEntry(...). */
      namespace: string;
      ttlSeconds: number;
      memoryItems: number;
      memoryBytes?: number;
      memoryTtlMs: number;
      changeVisibleAfterMs?: number;
      /** Background recomputations run at once per process (default 2); the rest wait their turn. */
      refreshConcurrency?: number;
      /** Scores word matches against windows' BM25 cuts; without it every word match corrects (EntryScope.bm25Cut). */
      bm25Scores?: Bm25Scorer;
      stats?: CacheStats;
    },
  ) {
    this.refreshes = new RefreshScheduler({
      inFlight: this.inFlight,
      run: (key, job, correction) => (correction ? this.computeAndStore(key, job, true) : this.refresh(key, job)),
      stillDue: (key) => {
        const entry = this.memory.peek(key);
        return entry !== undefined && Date.now() >= entry.refreshAt;
      },
      concurrency: Math.max(1, opts.refreshConcurrency ?? 2),
      onStart: () => opts.stats?.refreshing?.(),
      onQueueSize: (size) => opts.stats?.refreshQueue?.(size),
    });
    this.keys = redisKeys(opts.namespace);
    this.memory = new LRUCache({
      max: Math.max(1, opts.memoryItems),
      // Entries are counted by their JSON length: windows of 200 listings are ~80 KB, so a count alone
      // (10,000 entries) would let a long tail of distinct queries take a gigabyte.
      ...(opts.memoryBytes ? { maxSize: opts.memoryBytes } : {}),
      ttl: Math.max(1, opts.memoryTtlMs),
      dispose: (v, key) => this.unindex(key, v.ids),
    });
    // ioredis sends it by SHA and loads it again when Redis does not know it (e.g. after a restart).
    if (!('storeCacheEntry' in redis)) redis.defineCommand('storeCacheEntry', { lua: STORE_SCRIPT });
    if (!('extendCacheEntry' in redis)) redis.defineCommand('extendCacheEntry', { lua: EXTEND_SCRIPT });
    if (!('readOrLeaseCacheEntry' in redis))
      redis.defineCommand('readOrLeaseCacheEntry', { lua: READ_OR_LEASE_SCRIPT });
  }

  /**
   * The index generation entries belong to (the physical index behind the alias). A new one (a
   * reindex swapped the alias) makes every entry computed on the old index unreachable, in both layers:
   * old mappings and synonyms are never served again; the old Redis entries expire on their own.
   */
  setGeneration(generation: string): void {
    if (generation === this.generation) return;
    this.generation = generation;
    this.memory.clear();
  }

  private redisKey(key: string) {
    return this.keys.cacheEntry(key);
  }

  /** An entry read from Redis, remembered in memory when it may be served (nothing heard of changed on it). */
  private fromRedis(key: string, raw: string, pttl: number, job: RefreshJob<CachedValue<unknown>>) {
    const cached = JSON.parse(raw) as CachedValue<unknown>;
    if (!this.untouchedByChanges(cached)) return undefined;
    this.remember(key, cached, raw.length, pttl, job);
    return { ...cached, hitFromRedis: true } as CachedValue<unknown>;
  }

  /**
   * The shared entry of `key` and what is left of its TTL, or, when there is none, the lease on computing it
   * (READ_OR_LEASE_SCRIPT); undefined when Redis failed.
   */
  private async readOrLease(key: string): Promise<{ raw: string | null; pttl: number; lease: Lease } | undefined> {
    const r = await (this.redis as StoringRedis)
      .readOrLeaseCacheEntry(2, this.redisKey(key), this.keys.cacheLease(key), COMPUTE_LEASE_MS)
      .catch(() => undefined);
    if (!r) return undefined;
    const [raw, pttl, taken] = r;
    return { raw, pttl: Number(pttl), lease: raw !== null ? 'none' : Number(taken) === 1 ? 'taken' : 'held' };
  }

  /**
   * The value another process holding the lease on `key` stores, polled for while it holds the lease (at most
   * COMPUTE_LEASE_MS); else the lease this process computes under: taken once the holder let it go without
   * storing a value (it failed), or none (Redis failed, the wait ran out, or the value there may not be served).
   */
  private async awaitLeaseHolder(
    key: string,
    job: RefreshJob<CachedValue<unknown>>,
  ): Promise<{ value: CachedValue<unknown> } | { lease: Lease }> {
    const deadline = Date.now() + COMPUTE_LEASE_MS;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
      const read = await this.readOrLease(key);
      if (!read) return { lease: 'none' };
      const value = read.raw ? this.fromRedis(key, read.raw, read.pttl, job) : undefined;
      if (value) return { value };
      if (read.lease !== 'held') return { lease: read.lease };
    }
    return { lease: 'none' };
  }

  private idKey(id: string) {
    return this.keys.cacheByListing(id);
  }

  /**
   * The cached value for `key`, or computes and stores it. `ttlSeconds` overrides the Redis TTL for
   * values that change only through listing changes (those are invalidated by id anyway). A value read
   * in the last part of its life (REFRESH_AHEAD_SHARE) is served and recomputed in the background once,
   * so a hot key never expires under its traffic (which would make every request for it wait on a miss).
   */
  async getOrCompute<T>(
    requestKey: string,
    compute: () => Promise<CachedValue<T>>,
    opts: { ttlSeconds?: number; revalidate?: (value: CachedValue<T>, since: number) => Promise<boolean> } = {},
  ): Promise<{ value: T; hit: boolean; layer: CacheLayer }> {
    const key = this.scoped(requestKey);
    const enabled = this.opts.ttlSeconds > 0;
    const ttlMs = (opts.ttlSeconds ?? this.opts.ttlSeconds) * 1000;
    const job: RefreshJob<CachedValue<unknown>> = {
      compute,
      ttlMs,
      ...(opts.revalidate ? { revalidate: opts.revalidate as RefreshJob<CachedValue<unknown>>['revalidate'] } : {}),
    };
    if (enabled && this.opts.memoryItems > 0) {
      let m = this.memory.get(key);
      const now = Date.now();
      if (m && !this.servableFromMemory(key, m, now)) {
        this.memory.delete(key);
        m = undefined;
      }
      this.opts.stats?.record('memory', m ? 'hit' : 'miss');
      if (m) {
        m.readAt = now;
        if (now >= m.refreshAt) this.refreshes.schedule(key, job);
        return { value: m.value as T, hit: true, layer: 'memory' };
      }
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      const shared = await pending;
      // Started before a listing on it changed: this caller computes its own, uncached if still unsettled.
      if (!this.showsRecentChange(shared)) return { value: shared.value as T, hit: true, layer: 'shared' };
      return {
        value: (await this.computeAndStore(key, job, enabled)).value as T,
        hit: false,
        layer: 'miss',
      };
    }
    const task = (async (): Promise<CachedValue<unknown>> => {
      if (enabled) {
        const read = await this.readOrLease(key);
        this.opts.stats?.record('redis', read?.raw ? 'hit' : 'miss');
        const cached = read?.raw ? this.fromRedis(key, read.raw, read.pttl, job) : undefined;
        if (cached) return cached;
        let lease = read?.lease ?? 'none';
        if (lease === 'held') {
          const theirs = await this.awaitLeaseHolder(key, job);
          if ('value' in theirs) return theirs.value;
          lease = theirs.lease;
        }
        return this.computeAndStore(key, job, enabled, lease === 'taken');
      }
      return this.computeAndStore(key, job, enabled);
    })();
    const result = await this.awaitShared(key, task);
    const fromRedis = 'hitFromRedis' in result;
    return { value: result.value as T, hit: fromRedis, layer: fromRedis ? 'redis' : 'miss' };
  }

  /**
   * The value cached for `requestKey` when there is one that getOrCompute would serve (in memory, being
   * computed, or in Redis), without computing it: for a caller that has a cheaper way of its own when
   * nothing is cached (the feed reads a listing page's similar items this way, feed.ts). Not counted in the
   * hit-rate stats, which are about requests.
   */
  async peek<T>(requestKey: string): Promise<T | undefined> {
    if (this.opts.ttlSeconds <= 0) return undefined;
    const key = this.scoped(requestKey);
    const m = this.opts.memoryItems > 0 ? this.memory.get(key) : undefined;
    if (m && this.servableFromMemory(key, m, Date.now())) return m.value as T;
    const pending = this.inFlight.get(key);
    if (pending) {
      const shared = await pending.catch(() => undefined);
      return shared && !this.showsRecentChange(shared) ? (shared.value as T) : undefined;
    }
    const raw = await this.redis.get(this.redisKey(key)).catch(() => null);
    const cached = raw ? (JSON.parse(raw) as CachedValue<T>) : undefined;
    return cached && this.untouchedByChanges(cached) ? cached.value : undefined;
  }

  /** Whether an entry in memory may be served: no listing on it changed since, and no correction overdue. */
  private servableFromMemory(key: string, m: MemoryEntry, now: number): boolean {
    return !this.showsRecentChange(m) && (m.staleSince === undefined || this.refreshingSince(key, m, now));
  }

  /**
   * Whether no change this process heard of may be on `value` (a listing on it changed, or a change may enter
   * it): what a value read from Redis, about to be stored, or just revalidated must satisfy.
   */
  private untouchedByChanges(value: CachedValue<unknown>): boolean {
    return !this.showsRecentChange(value) && !this.matchesRecentChange(value);
  }

  /**
   * The cache key of a request key, scoped to the index generation: a computation that started before a
   * swap stores under the old generation, where nothing reads any more.
   */
  private scoped(requestKey: string): string {
    return `${this.generation}:${requestKey}`;
  }

  /** Awaits `task`, which other callers for `key` share (inFlight) until it settles. */
  private async awaitShared(key: string, task: Promise<CachedValue<unknown>>): Promise<CachedValue<unknown>> {
    this.inFlight.set(key, task);
    try {
      return await task;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /**
   * How long each of `requestKeys` has left in Redis (ms; 0 when absent), in one round trip: for a keeper
   * that recomputes shared entries before they expire (popular-keeper.ts).
   */
  async remainingTtlMs(requestKeys: string[]): Promise<number[]> {
    if (requestKeys.length === 0) return [];
    const tx = this.redis.pipeline();
    for (const k of requestKeys) tx.pttl(this.redisKey(this.scoped(k)));
    const res = await execPipeline(tx);
    return requestKeys.map((_, i) => Math.max(0, Number(res[i] ?? 0)));
  }

  /**
   * Computes `requestKey`'s value now and caches it in both layers, whatever is cached: an entry warmed
   * before anyone asks. Nothing happens while a computation of it is already running.
   */
  async recompute<T>(
    requestKey: string,
    compute: () => Promise<CachedValue<T>>,
    opts: { ttlSeconds?: number } = {},
  ): Promise<void> {
    const key = this.scoped(requestKey);
    if (this.opts.ttlSeconds <= 0 || this.inFlight.has(key)) return;
    const ttlMs = (opts.ttlSeconds ?? this.opts.ttlSeconds) * 1000;
    await this.awaitShared(key, this.computeAndStore(key, { compute, ttlMs }, true));
  }

  /**
   * Computes a value and caches it, unless it shows a listing that changed while it was computed or so
   * shortly before that the index may not show the change yet (see showsRecentChange). It is still
   * returned to its callers.
   */
  private async computeAndStore(
    key: string,
    job: RefreshJob<CachedValue<unknown>>,
    store: boolean,
    leased = false,
  ): Promise<CachedValue<unknown>> {
    const { ttlMs } = job;
    const computedAt = Date.now();
    let released = !leased;
    try {
      const fresh = { ...(await job.compute()), computedAt };
      if (store && this.untouchedByChanges(fresh)) {
        this.longestTtlMs = Math.max(this.longestTtlMs, ttlMs);
        const json = JSON.stringify(fresh);
        this.remember(key, fresh, json.length, ttlMs, job);
        // A cache write failure never fails a request. A stored value releases the lease with it, so a waiter
        // that finds the lease gone finds the value.
        released = await this.store(key, json, fresh.ids, Math.round(ttlMs / 1000), leased).then(
          () => true,
          () => released,
        );
      }
      return fresh;
    } finally {
      // Not stored (failed, uncacheable, or the write failed): the lease goes, and a waiter takes it and computes.
      if (!released) void this.redis.del(this.keys.cacheLease(key)).catch(() => undefined);
    }
  }

  /**
   * A hot entry near its expiry: extended when its job says nothing it was computed from was written since
   * it was last computed or checked, within MAX_AGE_TTLS of its last full computation; recomputed otherwise. The check's time is the
   * entry's new `computedAt`, so the usual guards apply from there: a change heard meanwhile (a correction
   * came, `staleSince`), one noted and searchable since, or a shown listing changed too recently for the
   * check to see it all mean a full recomputation.
   */
  private async refresh(key: string, job: RefreshJob<CachedValue<unknown>>): Promise<CachedValue<unknown>> {
    const entry = this.memory.peek(key);
    const checkedAt = Date.now();
    const extendable = checkedAt + job.ttlMs - (entry?.computedInFullAt ?? 0) <= MAX_AGE_TTLS * job.ttlMs;
    if (!job.revalidate || !entry || entry.staleSince !== undefined || !extendable)
      return this.computeAndStore(key, job, true);
    const since = (entry.computedAt ?? 0) - (this.opts.changeVisibleAfterMs ?? 0) - WRITE_CLOCK_SKEW_MS;
    const unchanged = await job.revalidate(entry, since).catch(() => undefined);
    this.opts.stats?.revalidated?.(unchanged === undefined ? 'failed' : unchanged ? 'unchanged' : 'changed');
    const checked: MemoryEntry = { ...entry, computedAt: checkedAt };
    const current =
      unchanged === true &&
      this.memory.peek(key) === entry &&
      entry.staleSince === undefined &&
      this.untouchedByChanges(checked);
    if (current && (await this.extend(key, entry.ids, job.ttlMs))) {
      // A drop while Redis answered wins: the extended copy only replaces the one that was checked.
      if (this.memory.peek(key) === entry && entry.staleSince === undefined)
        this.remember(key, checked, entry.bytes, job.ttlMs, job);
      return checked;
    }
    return this.computeAndStore(key, job, true);
  }

  /** Extends the shared entry and its listings' index keys; false when the entry is gone or Redis fails. */
  private async extend(key: string, ids: string[], ttlMs: number): Promise<boolean> {
    const keys = [this.redisKey(key), ...ids.map((id) => this.idKey(id))];
    const extended = await (this.redis as StoringRedis)
      .extendCacheEntry(keys.length, ...keys, Math.round(ttlMs / 1000))
      .catch(() => 0);
    return extended === 1;
  }

  /**
   * Whether a listing the value shows changed after (or `changeVisibleAfterMs` before) its computation
   * started: the indexer announces a change after its bulk and searches see it after the next refresh,
   * so such a value may hold the listing as it was. Invalidation drops entries when the announcement
   * arrives; this check also covers the races around it (a computation or a cache read in flight at
   * that moment), so a just-sold listing is never cached or served from the cache again.
   */
  private showsRecentChange(value: CachedValue<unknown>): boolean {
    if (value.computedAt === undefined || this.recentChanges.size === 0) return false;
    const unsettledSince = value.computedAt - (this.opts.changeVisibleAfterMs ?? 0);
    return value.ids.some((id) => (this.recentChanges.get(id) ?? -Infinity) >= unsettledSince);
  }

  /**
   * Whether a change that searches now show may belong on a value computed before it was searchable
   * (its scope matches the listing as it is now): a new listing matching a cached query, a price drop
   * into a cached price_asc page. Checked where a value is served from Redis or about to be stored (a
   * computation that was in flight when the change became searchable); values in memory are dropped by
   * changeSearchable instead, so a memory hit costs nothing more. A change not yet searchable does not
   * count: what is computed meanwhile is stored and dropped once, when it is (hot queries matching many
   * new listings would otherwise go uncached while each change settles, every request a full search).
   */
  private matchesRecentChange(value: CachedValue<unknown>): boolean {
    if (!value.scope || value.scope.length === 0) return false;
    if (value.computedAt === undefined || this.changeLog.length === 0) return false;
    if (value.computedAt < this.changeLogHorizon) return true;
    const memo = new MatchMemo();
    for (let i = this.changeLog.length - 1; i >= 0; i--) {
      const change = this.changeLog[i]!;
      if (change.searchableAt === undefined || change.searchableAt <= value.computedAt) continue;
      if (mayEnter(value.scope, change.listings, memo)) return true;
    }
    return false;
  }

  /**
   * Whether an entry a change may enter (`staleSince`) is still served while its recomputation runs or
   * waits for a slot (corrections go first), and not for long: past STALE_WHILE_REFRESHING_MS a read
   * computes it itself. Computing at once on a read while only queued made every burst of changes a
   * burst of misses on the hottest entries (6.6 points of hit rate at 300 req/s, 2026-12-03).
   */
  private refreshingSince(key: string, entry: MemoryEntry, now: number): boolean {
    return this.refreshes.correcting(key) && now - entry.staleSince! <= STALE_WHILE_REFRESHING_MS;
  }

  /**
   * Listings changed (as they are now, from a realtime get after the indexer's bulk), or 'all' when
   * there were too many to read one by one (a bulk load, a reindex). Remembered until the caller says
   * searches show them (changeSearchable): a drop now would only be followed by a recomputation that
   * cannot see them yet.
   */
  noteChange(changed: ChangedListing[] | 'all', at = Date.now()): RecordedChange {
    const listings = changed === 'all' ? changed : changed.map((l) => this.markVectorOnly(l));
    const change: RecordedChange = { at, listings };
    this.changeLog.push(change);
    this.changeLogSize += listings === 'all' ? 1 : listings.length;
    const keep = at - this.longestTtlMs - (this.opts.changeVisibleAfterMs ?? 0);
    while (this.changeLog.length > 1 && (this.changeLog[0]!.at < keep || this.changeLogSize > MAX_REMEMBERED_CHANGES)) {
      const dropped = this.changeLog.shift()!;
      this.changeLogSize -= dropped.listings === 'all' ? 1 : dropped.listings.length;
      if (dropped.at >= keep) this.changeLogHorizon = dropped.searchableAt ?? Date.now();
    }
    return change;
  }

  /**
   * A listing read back with a vector whose very version an earlier pass already matched by its words
   * (searchable by then) changed only by its vector (the indexer's embedding step announces it): only
   * kNN scopes can gain it. Anything less certain (that pass still waiting, forgotten, an 'all' since)
   * matches in full: a needless recomputation at worst.
   */
  private markVectorOnly(listing: ChangedListing): ChangedListing {
    if (listing.embedding === undefined || listing.version === undefined) return listing;
    for (let i = this.changeLog.length - 1; i >= 0; i--) {
      const { listings, searchableAt } = this.changeLog[i]!;
      if (listings === 'all') return listing;
      const earlier = listings.find((l) => l.id === listing.id);
      if (!earlier) continue;
      if (earlier.version !== listing.version) return listing;
      // A pass over this very version (words, and kNN if it had its vector), searchable by then.
      if (searchableAt !== undefined) return { ...listing, vectorOnly: true };
    }
    return listing;
  }

  /**
   * A noted change is searchable now: every entry in memory computed before that and which the changed
   * listings may now enter is corrected, once: one read in the last REFRESH_IF_READ_WITHIN_MS is
   * recomputed in the background at once (its reads meanwhile get the entry as it was, for at most
   * STALE_WHILE_REFRESHING_MS), any other is dropped. Either way its Redis copy goes. The cost is here,
   * once per change, not on hits; entries other pods hold go by their own pass, and entries only in
   * Redis by matchesRecentChange. Word matches under a window's BM25 cut are scored first, one
   * Elasticsearch request per pass (bm25-cut.ts). Returns how many entries were dropped or refreshed.
   */
  async changeSearchable(change: RecordedChange, searchableAt = Date.now()): Promise<number> {
    change.searchableAt = searchableAt;
    const memo = new MatchMemo();
    const stale: Array<[string, MemoryEntry]> = [];
    const causes = new Map<EntryCause, number>();
    const pending: Array<[string, MemoryEntry, Bm25Check[]]> = [];
    for (const [key, entry] of this.memory.entries()) {
      if (!entry.scope || entry.scope.length === 0 || (entry.computedAt ?? 0) >= searchableAt) continue;
      const match = mayEnter(entry.scope, change.listings, memo);
      if (!match) continue;
      if (Array.isArray(match)) {
        pending.push([key, entry, match]);
        continue;
      }
      stale.push([key, entry]);
      causes.set(match, (causes.get(match) ?? 0) + 1);
    }
    if (pending.length > 0) {
      const entered = await checksAtOrAboveCut(
        pending.flatMap(([, , checks]) => checks),
        this.opts.bm25Scores,
      );
      let below = 0;
      for (const [key, entry, checks] of pending) {
        // Recomputed or gone while Elasticsearch answered: nothing to correct.
        if (this.memory.peek(key) !== entry) continue;
        if (entered && !checks.some((c) => entered.has(c))) {
          below++;
          continue;
        }
        stale.push([key, entry]);
        causes.set('words', (causes.get('words') ?? 0) + 1);
      }
      const corrected = pending.length - below;
      this.opts.stats?.bm25Checks?.('below_cut', below);
      this.opts.stats?.bm25Checks?.(entered ? 'entered' : 'failed', corrected);
    }
    const now = Date.now();
    let refreshed = 0;
    for (const [key, entry] of stale) {
      const { recompute } = entry;
      if (entry.readAt !== undefined && now - entry.readAt <= REFRESH_IF_READ_WITHIN_MS) {
        entry.staleSince ??= now;
        entry.refreshAt = 0;
        this.refreshes.schedule(key, recompute, true);
        refreshed++;
      } else {
        this.memory.delete(key);
      }
    }
    if (stale.length > 0) await this.redis.unlink(...stale.map(([k]) => this.redisKey(k))).catch(() => undefined);
    this.opts.stats?.scopeDrops?.(stale.length - refreshed);
    this.opts.stats?.scopeRefreshes?.(refreshed);
    for (const [cause, count] of causes) this.opts.stats?.scopeMatches?.(cause, count);
    return stale.length;
  }

  /**
   * Keeps a value in process until its Redis entry expires (never longer than the memory TTL cap), so
   * every pod drops it when the shared entry goes; changed listings drop it earlier, in every pod,
   * through the change notifications. Re-reading hot entries from Redis every second instead meant
   * parsing large windows again and again, and the old-generation GC work that came with it.
   */
  private remember(
    key: string,
    value: CachedValue<unknown>,
    jsonBytes: number,
    lifeLeftMs: number,
    recompute: RefreshJob<CachedValue<unknown>>,
  ) {
    const { ttlMs } = recompute;
    if (this.opts.memoryItems <= 0 || lifeLeftMs <= 0) return;
    if (this.opts.memoryBytes && jsonBytes > this.opts.memoryBytes) return;
    const share = REFRESH_AHEAD_SHARE.min + Math.random() * (REFRESH_AHEAD_SHARE.max - REFRESH_AHEAD_SHARE.min);
    const refreshAt = Date.now() + lifeLeftMs - ttlMs * share;
    this.memory.set(
      key,
      {
        ...value,
        refreshAt,
        recompute,
        bytes: jsonBytes,
        computedInFullAt: (value as Partial<MemoryEntry>).computedInFullAt ?? value.computedAt,
      },
      {
        ttl: Math.max(1, Math.min(this.opts.memoryTtlMs, lifeLeftMs)),
        ...(this.opts.memoryBytes ? { size: Math.max(1, jsonBytes) } : {}),
      },
    );
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

  /** Stores an entry (STORE_SCRIPT), releasing its lease when this process `leased` it. */
  private async store(key: string, json: string, ids: string[], ttlSeconds: number, leased = false) {
    const keys = [this.redisKey(key), this.keys.cacheLease(key), ...ids.map((id) => this.idKey(id))];
    await (this.redis as StoringRedis).storeCacheEntry(keys.length, ...keys, json, ttlSeconds, leased ? 1 : 0);
  }

  /** Drops every entry (both layers) that shows one of these listings. */
  async invalidateListings(ids: string[]): Promise<void> {
    const now = Date.now();
    for (const id of ids) this.recentChanges.set(id, now);
    const dropFromMemory = () => {
      for (const id of ids) for (const key of [...(this.memoryByListing.get(id) ?? [])]) this.memory.delete(key);
    };
    dropFromMemory();
    if (ids.length === 0) return;
    try {
      await this.unlinkFromRedis(ids);
    } finally {
      // Again once Redis has dropped them: a read of an entry sent before the unlink has had its reply
      // (same connection, replies in order) and may have put the old value back in memory.
      dropFromMemory();
    }
  }

  private async unlinkFromRedis(ids: string[]): Promise<void> {
    const members = await this.redis.pipeline(ids.map((id) => ['smembers', this.idKey(id)])).exec();
    const keys = new Set<string>();
    for (const [, v] of members ?? []) for (const k of (v as string[]) ?? []) keys.add(k);
    const tx = this.redis.pipeline();
    if (keys.size > 0) tx.unlink(...keys);
    tx.unlink(...ids.map((id) => this.idKey(id)));
    await tx.exec();
  }

  /** What the in-process layer holds: entries, and their JSON bytes as counted against CACHE_MEMORY_MB. */
  memoryUsage(): { entries: number; bytes: number } {
    return { entries: this.memory.size, bytes: this.memory.calculatedSize ?? 0 };
  }

  clearMemory(): void {
    this.memory.clear();
  }
}
