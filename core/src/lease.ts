import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A lease in Redis: one process at a time does a job that every pod of a Deployment runs (indexer pods
 * scale from 2 to 20; query API pods keep the shared popular lists), so they do not all repeat the same
 * work. The holder renews it on every round; another process takes over once it lapses (the holder died
 * or stalled past `ttlMs`). It saves repeated work, it does not guarantee exclusion: a holder paused past
 * the lease may briefly overlap with the next, so what it guards must be safe to run twice.
 */
export class Lease {
  readonly owner = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease; false while another process holds it. */
  async hold(): Promise<boolean> {
    const got = await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX');
    if (got === 'OK') return true;
    if ((await this.redis.get(this.key)) !== this.owner) return false;
    await this.redis.pexpire(this.key, this.ttlMs);
    return true;
  }

  /** Gives the lease up (if still held), so another process takes over at once instead of after `ttlMs`. */
  async release(): Promise<void> {
    await this.redis
      .eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        this.key,
        this.owner,
      )
      .catch(() => 0);
  }
}
