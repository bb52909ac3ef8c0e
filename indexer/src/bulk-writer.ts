import type { Client, estypes } from '@elastic/elasticsearch';
import { toListingDocument, toTombstone, type ListingChangeEvent } from '../../core/src/index.js';
import { bulkRequestError, classifyItem, isIndexBlock, RetryableIndexingError } from './bulk-errors.js';

export interface WriteResult {
  event: ListingChangeEvent;
  outcome: 'ok' | 'stale' | 'dead-letter';
  reason?: string;
}

export interface FlushStats {
  events: number;
  ms: number;
  failedByReason: Record<string, number>;
  changedIds: string[];
  emittedAt: number[];
}

export interface BulkWriterOptions {
  alias: string;
  batchSize: number;
  batchBytes: number;
  flushMs: number;
  /** Extra physical indices that receive every write (a reindex in progress). */
  extraTargets?: () => Promise<string[]>;
  onFlushed?: (stats: FlushStats) => void | Promise<void>;
}

interface Pending {
  event: ListingChangeEvent;
  doc: Record<string, unknown>;
  bytes: number;
  group: Group;
  slot: number;
}

interface Group {
  results: WriteResult[];
  remaining: number;
  failed?: Error;
  resolve: (r: WriteResult[]) => void;
  reject: (e: Error) => void;
}

/**
 * Coalesces the events of many concurrent jobs into Elasticsearch `_bulk` requests: a request goes out
 * when `batchSize` events or `batchBytes` are pending, or `flushMs` after the first pending event.
 * Every write is an external-versioned index op, so replays and late events can never overwrite newer
 * state (a 409 means "already newer" and counts as done). write() resolves with each event's outcome,
 * or rejects with RetryableIndexingError when the cluster could not take some of them: the caller's job
 * is then retried as a whole, which is safe because every op is idempotent; or with PermanentIndexingError
 * (BullMQ's UnrecoverableError) when the cluster refused the whole request in a way no retry changes.
 *
 * Why not the client's `helpers.bulk` (read in @elastic/elasticsearch 8.19, lib/helpers.js):
 * - Acknowledgement per job. The helper drains one datasource and resolves once, with totals; a
 *   document's fate reaches only the onSuccess/onDrop callbacks, with no handle to who asked. A BullMQ
 *   job must complete or fail when *its* events are written, and jobs arrive concurrently and share
 *   requests. One helper per job would give up that sharing (a job holds at most 500 events); one
 *   shared helper would need the same event -> job bookkeeping as `Group` here, plus a datasource fed
 *   from the processors.
 * - What is retried, and where. The helper retries only items with status 429, in process, after
 *   `wait` (5 s) up to `retries` times, and sends every other failed item to onDrop. Here 429, 5xx and
 *   index blocks (cluster_block_exception, 403 or 429) are retried by BullMQ with backoff and jitter
 *   (the job survives a crash of this process; a block pauses the worker without spending attempts),
 *   and 409 (an external version conflict: the index already holds newer state) is a success, which
 *   the helper would report through onDrop as a failure.
 * - A failed request. An error of the bulk call itself (unreachable, timeout) aborts the helper's whole
 *   run: it stops reading the datasource and rejects. Here it settles that batch's jobs only (retry, or
 *   UnrecoverableError for a permanent rejection) and the next batches go out as usual.
 * - Fan-out. During a reindex each event is written to the alias and to every extra target, and its
 *   outcome is the worst of them; the helper's onDocument yields one action per document.
 * - Latency. The helper flushes at `flushBytes` or when no document arrived for `flushInterval` (the
 *   timer restarts on each document), so under a steady trickle a document waits until 5 MB gather.
 *   Here `flushMs` counts from the first pending event (5 ms by default) and `batchSize` caps a request.
 */
export class BulkWriter {
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly es: Client,
    private readonly opts: BulkWriterOptions,
  ) {}

  write(events: ListingChangeEvent[]): Promise<WriteResult[]> {
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const group: Group = { results: new Array(events.length), remaining: events.length, resolve, reject };
      events.forEach((event, slot) => {
        const now = new Date();
        const doc =
          event.op === 'upsert'
            ? (toListingDocument(event.listing, event.version, event.emitted_at, now) as unknown as Record<
                string,
                unknown
              >)
            : (toTombstone(event.listing_id, event.version, event.emitted_at, now) as unknown as Record<
                string,
                unknown
              >);
        const bytes = JSON.stringify(doc).length + 100;
        this.pending.push({ event, doc, bytes, group, slot });
        this.pendingBytes += bytes;
      });
      if (this.pending.length >= this.opts.batchSize || this.pendingBytes >= this.opts.batchBytes) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.opts.flushMs);
    });
  }

  /** Sends everything pending and waits for every request in flight. */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      let count = 0;
      let bytes = 0;
      while (
        count < this.pending.length &&
        count < this.opts.batchSize &&
        (count === 0 || bytes < this.opts.batchBytes)
      ) {
        bytes += this.pending[count]!.bytes;
        count++;
      }
      const batch = this.pending.splice(0, count);
      this.pendingBytes -= bytes;
      const request = this.send(batch).finally(() => this.inFlight.delete(request));
      this.inFlight.add(request);
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const targets = [this.opts.alias, ...((await this.opts.extraTargets?.()) ?? [])];
    const operations: Array<estypes.BulkOperationContainer | Record<string, unknown>> = [];
    for (const p of batch) {
      for (const index of targets) {
        operations.push(
          { index: { _index: index, _id: p.event.listing_id, version: p.event.version, version_type: 'external' } },
          p.doc,
        );
      }
    }
    const failedByReason: Record<string, number> = {};
    let items: estypes.BulkResponse['items'];
    try {
      items = (await this.es.bulk({ operations, refresh: false })).items;
    } catch (err) {
      // Retryable (unreachable, timeout, 429/5xx): the jobs are retried; permanent (a 400, a document the
      // client cannot serialize): BullMQ's UnrecoverableError, so the jobs fail at once, not 20 times.
      const error = bulkRequestError(err);
      failedByReason.request = batch.length;
      for (const p of batch) this.settle(p, undefined, error);
      await this.opts.onFlushed?.({
        events: batch.length,
        ms: performance.now() - started,
        failedByReason,
        changedIds: [],
        emittedAt: [],
      });
      return;
    }
    const changedIds: string[] = [];
    const emittedAt: number[] = [];
    batch.forEach((p, i) => {
      // One result per target; the event's outcome is the worst of them.
      let outcome: WriteResult['outcome'] = 'ok';
      let reason: string | undefined;
      let retry = false;
      let blocked = false;
      for (let t = 0; t < targets.length; t++) {
        const item = Object.values(items[i * targets.length + t] ?? {})[0];
        const kind = classifyItem(item?.status, item?.error?.type);
        if (kind === 'retry') retry = true;
        if (isIndexBlock(item?.status, item?.error?.type)) blocked = true;
        else if (kind === 'dead-letter') {
          outcome = 'dead-letter';
          reason = `${item?.error?.type ?? 'error'}: ${item?.error?.reason ?? `status ${item?.status}`}`;
        } else if (kind === 'stale' && outcome === 'ok' && t === 0) outcome = 'stale';
      }
      if (retry) {
        failedByReason[blocked ? 'blocked' : 'retry'] = (failedByReason[blocked ? 'blocked' : 'retry'] ?? 0) + 1;
        this.settle(
          p,
          undefined,
          blocked
            ? new RetryableIndexingError(
                'the index refuses writes (cluster_block_exception, e.g. disk flood stage)',
                undefined,
                { indexBlocked: true },
              )
            : new RetryableIndexingError('Elasticsearch could not take every document (429/5xx)'),
        );
        return;
      }
      if (outcome === 'dead-letter')
        failedByReason[reason!.split(':')[0]!] = (failedByReason[reason!.split(':')[0]!] ?? 0) + 1;
      if (outcome === 'ok') {
        changedIds.push(p.event.listing_id);
        emittedAt.push(Date.parse(p.event.emitted_at));
      }
      this.settle(p, { event: p.event, outcome, reason });
    });
    await this.opts.onFlushed?.({
      events: batch.length,
      ms: performance.now() - started,
      failedByReason,
      changedIds,
      emittedAt,
    });
  }

  private settle(p: Pending, result: WriteResult | undefined, error?: Error): void {
    const g = p.group;
    if (error) g.failed ??= error;
    else g.results[p.slot] = result!;
    if (--g.remaining === 0) {
      if (g.failed) g.reject(g.failed);
      else g.resolve(g.results);
    }
  }
}
