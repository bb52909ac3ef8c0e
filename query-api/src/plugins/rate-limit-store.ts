import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { execPipeline } from '../../../core/src/redis-pipeline.js';

/** One caller's count in one window: what Redis last said all pods let through, and this pod's since. */
interface WindowCount {
  window: number;
  windowMs: number;
  /** The window's total across pods, as of this pod's last sync. */
  shared: number;
  /** Let through here and sent to Redis, reply not yet back. */
  sending: number;
  /** Let through here since the last sync was sent. */
  pending: number;
}

export interface SharedRateCountsOptions {
  /** How often this pod adds its counts to Redis and reads the totals back. */
  syncMs: number;
  /** Callers counted at once (least recently seen dropped first): bounds the memory. */
  maxKeys: number;
}

/**
 * Rate-limit counters shared by every pod through Redis, in batches.
 *
 * Hand-written because the plugin's RedisStore makes one Redis round trip (a Lua EVAL) per request,
 * and on a cache hit that round trip was a fifth of the API's CPU (a socket write per request:
 * docs/benchmarks.md, "The rate limiter off the hit path"); its LocalStore shares nothing between
 * pods, and rate-limiter-flexible also calls Redis per request. Here windows are fixed and aligned on
 * the clock (every pod agrees which window a request falls in); each pod counts in process and every
 * `syncMs` adds what it let through to Redis in one pipeline (INCRBY + PEXPIRE per caller), taking the
 * totals back. The price: between syncs a pod does not see the others' requests, so all pods together
 * may let through up to pods x a caller's rate x `syncMs` more than the limit in a window. A caller
 * over the limit is refused in process, at no Redis cost. While Redis is unreachable each pod counts
 * alone (the limit then holds per pod) and hands its counts over when Redis is back.
 */
export class SharedRateCounts {
  private readonly counts: LRUCache<string, WindowCount>;
  private readonly dirty = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: SharedRateCountsOptions,
  ) {
    this.counts = new LRUCache({ max: Math.max(1, opts.maxKeys) });
    this.timer = setInterval(() => void this.sync(), opts.syncMs).unref();
  }

  /** Counts one request of `key`: the window's count with it, and the ms left in the window. */
  incr(key: string, windowMs: number): { current: number; ttl: number } {
    const c = this.current(key, windowMs, true)!;
    c.pending++;
    this.dirty.add(key);
    return this.state(c);
  }

  /** The window's count of `key` without counting a request. */
  read(key: string, windowMs: number): { current: number; ttl: number } {
    const c = this.current(key, windowMs, false);
    return c ? this.state(c) : { current: 0, ttl: 0 };
  }

  /** Adds this pod's counts to Redis and takes the totals back; one sync at a time. */
  sync(): Promise<void> {
    this.syncing ??= this.send().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /** Stops syncing after handing over what is counted. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing;
    await this.sync();
  }

  private current(key: string, windowMs: number, create: boolean): WindowCount | undefined {
    const window = Math.floor(Date.now() / windowMs);
    const c = this.counts.get(key);
    if (c && c.window === window && c.windowMs === windowMs) return c;
    if (!create) return undefined;
    const fresh = { window, windowMs, shared: 0, sending: 0, pending: 0 };
    this.counts.set(key, fresh);
    return fresh;
  }

  /** What the plugin asks of a count: the window's total as this pod knows it, and the ms left in the window. */
  private state(c: WindowCount): { current: number; ttl: number } {
    return { current: c.shared + c.sending + c.pending, ttl: Math.max(0, (c.window + 1) * c.windowMs - Date.now()) };
  }

  private async send(): Promise<void> {
    if (this.dirty.size === 0) return;
    const sent: Array<{ key: string; c: WindowCount; n: number }> = [];
    const tx = this.redis.pipeline();
    for (const key of this.dirty) {
      const c = this.counts.get(key);
      if (!c || c.pending === 0) continue;
      const redisKey = `${this.prefix}${key}:${c.window}`;
      tx.incrby(redisKey, c.pending);
      // Twice the window: a pod whose clock runs a little behind still finds the window it adds to.
      tx.pexpire(redisKey, c.windowMs * 2);
      sent.push({ key, c, n: c.pending });
      c.sending += c.pending;
      c.pending = 0;
    }
    this.dirty.clear();
    if (sent.length === 0) return;
    try {
      const replies = await execPipeline(tx);
      sent.forEach(({ c, n }, i) => {
        c.sending -= n;
        c.shared = Math.max(c.shared, Number(replies[i * 2]));
      });
    } catch {
      // Redis unreachable: the counts stay here and go with the next sync.
      for (const { key, c, n } of sent) {
        c.sending -= n;
        c.pending += n;
        this.dirty.add(key);
      }
    }
  }
}

/**
 * The store class @fastify/rate-limit constructs (it calls `new store(options)`), counting in `counts`.
 * A route with its own limit gets a child that counts apart, under the route's method and path.
 */
export function sharedRateLimitStore(counts: SharedRateCounts): FastifyRateLimitStoreCtor {
  class Store implements FastifyRateLimitStore {
    constructor(private readonly scope = '') {}
    incr(key: string, cb: (e: Error | null, r?: { current: number; ttl: number }) => void, windowMs: number) {
      cb(null, counts.incr(this.scope + key, windowMs));
    }
    read(key: string, cb: (e: Error | null, r?: { current: number; ttl: number }) => void, windowMs: number) {
      cb(null, counts.read(this.scope + key, windowMs));
    }
    child(route: { method: string | string[]; url: string }): FastifyRateLimitStore {
      return new Store(`${this.scope}${String(route.method)}${route.url}-`);
    }
  }
  return Store as unknown as FastifyRateLimitStoreCtor;
}
