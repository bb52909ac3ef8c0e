import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { changeEvents, type Config, type ListingChangeEvent } from '../index.js';
import { queueNames } from '../redis-keys.js';

/** Events per queue job: one job carries a slice of the stream so a worker writes it in one bulk. */
export const EVENTS_PER_JOB = 500;

export interface ChangeBatchJob {
  events: ListingChangeEvent[];
  /** When the producer accepted the batch (ms since epoch); the index-lag clock starts at emitted_at. */
  enqueued_at: number;
}

export interface ChangeProducerOptions {
  /**
   * Fail a publish at once while Redis is unreachable, and after `redis.commandTimeoutMs` on a stuck
   * connection, instead of waiting for the reconnect (BullMQ's "failing fast when Redis is down"
   * pattern: `enableOfflineQueue: false` on the Queue's connection). The HTTP endpoint wants this (a
   * 503 the client retries); a batch tool would rather wait.
   */
  failFast?: boolean;
}

/**
 * Publishes listing change events. Other services import this; the HTTP ingestion endpoint and the
 * CLI use it too. publish() resolves once Redis has taken the events: what that survives (a Redis
 * process crash, a machine crash) is Redis's appendfsync setting, see docs/operations.md.
 */
export class ChangeProducer {
  private readonly queue: Queue<ChangeBatchJob>;
  private readonly connection: Redis;

  constructor(config: Pick<Config, 'queue' | 'redis'>, opts: ChangeProducerOptions = {}) {
    const names = queueNames(config);
    this.connection = opts.failFast
      ? new Redis(config.redis.url, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: config.redis.commandTimeoutMs,
        })
      : new Redis(config.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
    // Without a listener ioredis reports every failed reconnect attempt as an unhandled error event.
    this.connection.on('error', () => undefined);
    this.queue = new Queue<ChangeBatchJob>(names.changes, { connection: this.connection, prefix: names.prefix });
    // The Queue re-emits its connection's errors; an 'error' event nobody listens to would crash the process.
    this.queue.on('error', () => undefined);
  }

  /**
   * Validates every event (schema, listing_id = listing.id, clock bounds: core's changeEvents; throws
   * ValidationError naming the first bad one) and enqueues them.
   */
  async publish(events: unknown[]): Promise<number> {
    const now = Date.now();
    const valid = events.map((e, i) => changeEvents.parse(e, `event[${i}]`, now));
    const jobs = [];
    for (let i = 0; i < valid.length; i += EVENTS_PER_JOB) {
      jobs.push({
        name: 'changes',
        data: { events: valid.slice(i, i + EVENTS_PER_JOB), enqueued_at: Date.now() },
        opts: {
          attempts: 20,
          // 'custom' = the worker's backoffWithJitter: exponential, capped, with full jitter.
          backoff: { type: 'custom' },
          removeOnComplete: { age: 3600, count: 10_000 },
          removeOnFail: false,
        },
      });
    }
    if (jobs.length > 0) await this.queue.addBulk(jobs);
    return valid.length;
  }

  get bullQueue(): Queue<ChangeBatchJob> {
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit().catch(() => undefined);
  }
}
