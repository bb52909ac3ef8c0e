import { AppError } from '../../core/src/index.js';

/** What to do with one failed item of a bulk response. */
export type ItemOutcome = 'ok' | 'stale' | 'retry' | 'dead-letter';

/**
 * 409 = the index already holds a newer version: the event is stale, which is success. 429 and 5xx are
 * the cluster's trouble: retry. Anything else (mapping errors, bad payloads) is the event's fault:
 * retrying cannot help, so it goes to the dead-letter queue.
 */
export function classifyItem(status: number | undefined, errorType?: string): ItemOutcome {
  if (status === undefined || (status >= 200 && status < 300)) return 'ok';
  if (status === 409 || errorType === 'version_conflict_engine_exception') return 'stale';
  // A block (read-only index, disk flood stage, operator write block: 429 or 403) is the cluster's state,
  // not the event's fault: retrying succeeds once it is lifted, so it never dead-letters a good change.
  if (status === 429 || status >= 500 || isIndexBlock(status, errorType)) return 'retry';
  return 'dead-letter';
}

/**
 * An index block (`cluster_block_exception`, status 429): e.g. the disk flood-stage watermark made the
 * index read-only. Elasticsearch lifts it by itself once disk is freed; until then every write fails the
 * same way, so it is an outage to wait out, not a reason to spend the job's attempts.
 */
export function isIndexBlock(status: number | undefined, errorType?: string): boolean {
  return errorType === 'cluster_block_exception' && (status === 429 || status === 403);
}

/** A failure of the whole bulk request (connection, timeout, 429/5xx): the job is retried later. */
export class RetryableIndexingError extends AppError {
  /** No answer at all (connection refused, timeout): the cluster is down, not just busy. */
  readonly clusterUnreachable: boolean;
  /** The index refuses writes for now (read-only block, e.g. disk flood stage). */
  readonly indexBlocked: boolean;
  constructor(message: string, cause?: unknown, opts: { indexBlocked?: boolean } = {}) {
    super('indexing_retryable', message, { retryable: true, cause });
    this.clusterUnreachable = ['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError'].includes((cause as { name?: string })?.name ?? '');
    this.indexBlocked = opts.indexBlocked ?? false;
  }

  /** Whether the worker should pause and put the job back without spending an attempt. */
  get waitOut(): boolean {
    return this.clusterUnreachable || this.indexBlocked;
  }
}

/** Whether an error thrown by the Elasticsearch client is transient (retry) rather than our fault. */
export function isTransientClientError(err: unknown): boolean {
  const e = err as { name?: string; meta?: { statusCode?: number } };
  if (['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError', 'RequestAbortedError'].includes(e?.name ?? '')) return true;
  const status = e?.meta?.statusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

/** Exponential backoff with full jitter, capped: spreads retries of many workers over time. */
export function backoffWithJitter(attempt: number, baseMs = 200, capMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
