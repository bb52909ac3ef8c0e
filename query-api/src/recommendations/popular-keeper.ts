import type { FastifyInstance } from 'fastify';
import { ON_SALE, redisKeys } from '../../../core/src/index.js';
import { Lease } from '../../../core/src/lease.js';
import { esCall } from '../search/es-errors.js';
import { computePopularList, popularListKey, POPULAR_LIST_TTL_S, type PopularOf } from './popular-in.js';

/** A list with more than this left beyond the next round is left alone: it will still be there. */
const MARGIN_MS = 5_000;

/**
 * Keeps the shared popular-by-size and by-brand lists (popular-in.ts) computed before anyone asks for
 * them. Every `keepMs` one query API pod (a lease; the lists are shared through the result cache's Redis
 * layer) recomputes, one at a time, the lists of the `keepTop` sizes and brands with the most listings on
 * sale that would expire before its next round. Why: computed on request, every list of a cold cache came
 * due in the first seconds of similar items (~185 at 1M listings, 5-10 ms of Elasticsearch CPU each), and
 * took that window's p99 to 420-780 ms, against 15 ms over other listings once the lists were warm
 * (docs/benchmarks.md). A list a change dropped is computed again by the first request for it, or here at
 * the next round. Category lists stay on demand: only the feed reads them, a person's top categories.
 */
export class PopularListsKeeper {
  private readonly lease: Lease;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly app: FastifyInstance,
    private readonly opts: { keepMs: number; keepTop: number },
  ) {
    // Renewed every round; a holder gone for two rounds hands over.
    this.lease = new Lease(
      app.redis,
      redisKeys(app.config.redis.namespace).popularListsLease,
      opts.keepMs * 2 + MARGIN_MS,
    );
  }

  /** A round now, then one every keepMs. */
  start(): void {
    const tick = () => {
      this.running = this.round()
        .catch((err: Error) => {
          this.app.metrics.popularListsKept.inc({ outcome: 'failed' });
          this.app.log.warn({ component: 'popular-lists', err: err.message }, 'popular lists round failed');
        })
        .finally(() => {
          if (!this.closed) this.timer = setTimeout(tick, this.opts.keepMs);
        });
    };
    tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    await this.lease.release();
  }

  /** One round: the lists that would expire before the next, recomputed one at a time. Returns how many. */
  async round(): Promise<number> {
    if (!(await this.lease.hold())) return 0;
    const lists = await this.listsToKeep();
    const keys = lists.map((of) => popularListKey(of));
    const left = await this.app.cache.remainingTtlMs(keys);
    const due = lists.flatMap((of, i) =>
      left[i]! > this.opts.keepMs + MARGIN_MS ? [] : [{ of, key: keys[i]!, left: left[i]! }],
    );
    this.app.metrics.popularListsKept.inc({ outcome: 'current' }, lists.length - due.length);
    // Missing lists first and at once (a cold cache); lists still cached are refreshed spread over a
    // quarter of the interval, so a round does not take Elasticsearch's CPU in one burst (~185 lists at 1M).
    due.sort((a, b) => a.left - b.left);
    // At most a second between two, so a closing pod is not held up by a long pause.
    const pace = due.length > 0 ? Math.min(1000, this.opts.keepMs / 4 / due.length) : 0;
    let computed = 0;
    for (const { of, key, left: remaining } of due) {
      if (this.closed) break;
      if (remaining > 0 && pace > 0) await new Promise((r) => setTimeout(r, pace));
      await this.app.cache.recompute(key, () => computePopularList(this.app, of), { ttlSeconds: POPULAR_LIST_TTL_S });
      this.app.metrics.popularListsKept.inc({ outcome: 'computed' });
      computed++;
    }
    return computed;
  }

  /** The sizes and brands with the most listings on sale, keepTop of each: one aggregation. */
  private async listsToKeep(): Promise<PopularOf[]> {
    const size = this.opts.keepTop;
    const res = await esCall('search', () =>
      this.app.es.search({
        index: this.app.config.elasticsearch.alias,
        size: 0,
        track_total_hits: false,
        query: { bool: { filter: [ON_SALE] } },
        aggs: { size: { terms: { field: 'size', size } }, brand: { terms: { field: 'brand', size } } },
      }),
    );
    const aggs = res.aggregations as Record<'size' | 'brand', { buckets: Array<{ key: string }> }> | undefined;
    return (['size', 'brand'] as const).flatMap((kind) =>
      (aggs?.[kind]?.buckets ?? []).map((b) => ({ kind, value: String(b.key) })),
    );
  }
}
