import type { Redis } from 'ioredis';

/**
 * Extra indices every worker writes to while a reindex builds a new index. Stored in Redis so all
 * workers of all pods agree; each worker re-reads it at most every `refreshMs`, and a reindex waits
 * longer than that before copying, so no live change can slip past both indices.
 */
export class WriteTargets {
  static readonly REFRESH_MS = 250;
  private cached: string[] = [];
  private readAt = 0;

  /** `key`: redisKeys(namespace).changes.writeTargets(queue), one set per changes queue. */
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async current(): Promise<string[]> {
    if (Date.now() - this.readAt > WriteTargets.REFRESH_MS) {
      this.cached = await this.redis.smembers(this.key);
      this.readAt = Date.now();
    }
    return this.cached;
  }

  async add(index: string): Promise<void> {
    await this.redis.sadd(this.key, index);
  }

  async remove(index: string): Promise<void> {
    await this.redis.srem(this.key, index);
  }
}
