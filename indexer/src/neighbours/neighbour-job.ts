import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  CO_ENGAGEMENT_WEIGHTS,
  HISTORY_LENGTH,
  HISTORY_TTL_S,
  neighbourDecayFactor,
  NEIGHBOUR_GONE_MEMORY_MS,
  NEIGHBOUR_LEASE_MS,
  NEIGHBOURS_KEPT,
  NEIGHBOURS_TTL_S,
  POPULARITY_BETA,
  POPULARITY_FLOOR,
  redisKeys,
  type InteractionEvent,
} from '../../../core/src/index.js';
import { Lease } from '../../../core/src/lease.js';
import { APPLY_BATCH, FORGET } from './scripts.js';

/** Stream entries applied per script call: about 40 ZINCRBYs each, so a batch holds Redis a few ms. */
const BATCH = 100;
/** How long a read waits for new events before the loop checks its lease and stop flag. */
const BLOCK_MS = 1000;

type ScriptRedis = Redis & {
  nbApply(numKeys: number, ...args: Array<string | number>): Promise<number>;
  nbForget(numKeys: number, ...args: Array<string | number>): Promise<number>;
};

export interface NeighbourJobStats {
  applied: number;
  batches: number;
  /** Milliseconds spent inside the apply script (the Redis cost of the job). */
  scriptMs: number;
}

/**
 * Keeps every listing's co-engagement neighbours from the interactions stream (see
 * core/src/redis-keys.ts for the layout and its bounds, scripts.ts for the scoring).
 *
 * Why a stream reader with its own cursor, not a consumer group or a BullMQ job: the cursor (the
 * high-water mark) lives in Redis next to the scores and moves in the same script that applies a
 * batch, so "applied" and "acknowledged" can never disagree. A consumer group would be a second
 * cursor (its ack) updated in a separate command; a crash between the two re-delivers a batch that
 * was already counted. After a restart the job simply reads from the mark: nothing lost, nothing
 * counted twice. One process applies at a time (a lease) so that pods do not read the same batches for
 * nothing; should two ever overlap (a lease lapsing in a long pause), each script still applies only
 * the entries past the mark it finds, and a batch read from an older mark is consecutive from it, so
 * nothing is skipped or applied twice then either.
 * Runs inside the indexer process: it already owns the listing status changes that must evict sold
 * listings from neighbour lists (see forget), and it needs no port or deployment of its own.
 */
export class NeighbourJob {
  readonly stats: NeighbourJobStats = { applied: 0, batches: 0, scriptMs: 0 };
  private readonly redis: ScriptRedis;
  private readonly reader: Redis;
  private readonly keys;
  private readonly stream: string;
  private readonly lease: Lease;
  private running = false;
  private loop?: Promise<void>;

  /** `clock` is for tests: scores depend on when events are applied (popularity is read decayed to now). */
  constructor(
    redisUrl: string,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: null }) as ScriptRedis;
    this.reader = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.redis.defineCommand('nbApply', { lua: APPLY_BATCH });
    this.redis.defineCommand('nbForget', { lua: FORGET });
    this.keys = redisKeys(namespace).neighbours;
    this.stream = redisKeys(namespace).interactions;
    this.lease = new Lease(this.redis, this.keys.lease, NEIGHBOUR_LEASE_MS);
  }

  /** Starts the loop in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((err) => this.logger.error({ err }, 'neighbour job stopped'));
  }

  /** Stops after the batch in flight (which is applied whole or not at all either way). */
  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.lease.release();
    await Promise.allSettled([this.redis.quit(), this.reader.quit()]);
  }

  /** Milliseconds between the newest stream entry and the last applied one (stream ids start with their time). */
  async lagMs(): Promise<number> {
    const [last] = await this.reader.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    if (!last) return 0;
    const ms = (id: string) => Number(id.split('-')[0]);
    return Math.max(0, ms(last[0]) - ms(await this.highWater()));
  }

  /** The last stream id applied ('0-0' before the first). */
  async highWater(): Promise<string> {
    return (await this.redis.get(this.keys.highWater)) ?? '0-0';
  }

  /**
   * Listings no longer on sale leave every neighbour list and are not added back; listings on sale
   * again (a suspension lifted) are forgotten as gone. Called by the indexer after each write.
   */
  async statusChanged(gone: string[], onSale: string[]): Promise<void> {
    if (gone.length > 0) await this.redis.nbForget(0, this.namespace, this.clock(), NEIGHBOUR_GONE_MEMORY_MS, ...gone);
    if (onSale.length > 0) await this.redis.zrem(this.keys.gone, ...onSale);
  }

  /** Applies everything currently in the stream past the mark; returns how many events were applied. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const entries = await this.reader.xrange(this.stream, `(${await this.highWater()}`, '+', 'COUNT', BATCH);
      if (entries.length === 0) return total;
      total += await this.apply(entries);
    }
  }

  private async run(): Promise<void> {
    let batches = 0;
    while (this.running) {
      try {
        if (!(await this.lease.hold())) {
          await new Promise((r) => setTimeout(r, BLOCK_MS));
          continue;
        }
        const res = await this.reader.xread(
          'COUNT',
          BATCH,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.stream,
          await this.highWater(),
        );
        const entries = res?.[0]?.[1] ?? [];
        if (entries.length > 0) await this.apply(entries);
        if (++batches % 1000 === 0) await this.prunePopularity();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'neighbour job: Redis error, retrying');
        await new Promise((r) => setTimeout(r, BLOCK_MS));
      }
    }
  }

  /** Applies stream entries in order; those at or below the mark (already applied) are skipped. */
  async apply(entries: Array<[string, string[]]>): Promise<number> {
    const now = this.clock();
    const args: Array<string | number> = [];
    for (const [id, fields] of entries) {
      const raw = fields[fields.indexOf('event') + 1];
      let e: InteractionEvent;
      try {
        e = JSON.parse(raw ?? '') as InteractionEvent;
      } catch {
        continue; // the API validated it before appending; an unreadable entry is skipped, not retried forever
      }
      const w = CO_ENGAGEMENT_WEIGHTS[e.type] ?? 0;
      if (!e.listing_id || !e.user_id || w <= 0) continue;
      // A client clock ahead of ours must not weigh more than now.
      const ts = Math.min(Date.parse(e.ts) || now, now);
      args.push(id, e.user_id, e.listing_id, w * neighbourDecayFactor(ts));
    }
    const lastId = entries[entries.length - 1]![0];
    const started = performance.now();
    const applied = await this.redis.nbApply(
      0,
      this.namespace,
      lastId,
      neighbourDecayFactor(now),
      POPULARITY_BETA,
      NEIGHBOURS_KEPT,
      HISTORY_LENGTH,
      HISTORY_TTL_S,
      NEIGHBOURS_TTL_S,
      ...args,
    );
    this.stats.scriptMs += performance.now() - started;
    this.stats.applied += applied;
    this.stats.batches++;
    return applied;
  }

  private async prunePopularity(): Promise<void> {
    await this.redis.zremrangebyscore(
      this.keys.popularity,
      '-inf',
      POPULARITY_FLOOR * neighbourDecayFactor(this.clock()),
    );
  }
}
