import { UnrecoverableError } from 'bullmq';
import { AppError } from '../../core/src/index.js';
import {
  classifyElasticsearchError,
  classifyStatus,
  type ElasticsearchFailure,
} from '../../core/src/elasticsearch-errors.js';

/** What to do with one failed item of a bulk response. */
export type ItemOutcome = 'ok' | 'stale' | 'retry' | 'dead-letter';

/**
 * 409 = the index already holds a newer version: the event is stale, which is success. 429, 5xx and an
 * index block (core's classifyStatus: overloaded, server, blocked) are the cluster's trouble: retry; a
 * block (read-only index, disk flood stage, operator write block: 429 or 403) is the cluster's state, so
 * it never dead-letters a good change. Anything else (mapping errors, bad payloads, a 403 on one index)
 * is the event's fault: retrying cannot help, so it goes to the dead-letter queue.
 */
export function classifyItem(status: number | undefined, errorType?: string): ItemOutcome {
  if (status === undefined || (status >= 200 && status < 300)) return 'ok';
  if (status === 409 || errorType === 'version_conflict_engine_exception') return 'stale';
  const { kind } = classifyStatus(status, errorType);
  return kind === 'overloaded' || kind === 'server' || kind === 'blocked' ? 'retry' : 'dead-letter';
}

/**
 * An index block (`cluster_block_exception`, status 429 or 403): e.g. the disk flood-stage watermark made
 * the index read-only. Elasticsearch lifts it by itself once disk is freed; until then every write fails
 * the same way, so it is an outage to wait out, not a reason to spend the job's attempts.
 */
export function isIndexBlock(status: number | undefined, errorType?: string): boolean {
  // The type first: this runs for every item of every bulk response, most of them 201s.
  if (errorType !== 'cluster_block_exception' || status === undefined) return false;
  return classifyStatus(status, errorType).kind === 'blocked';
}

/** A failure of the whole bulk request (connection, timeout, 429/5xx): the job is retried later. */
export class RetryableIndexingError extends AppError {
  /** No answer at all (connection refused, timeout): the cluster is down, not just busy. */
  readonly clusterUnreachable: boolean;
  /** The index refuses writes for now (read-only block, e.g. disk flood stage). */
  readonly indexBlocked: boolean;
  constructor(message: string, cause?: unknown, opts: { indexBlocked?: boolean } = {}) {
    super('indexing_retryable', message, { retryable: true, cause });
    const kind = cause === undefined ? undefined : classifyElasticsearchError(cause).kind;
    this.clusterUnreachable = kind === 'unreachable' || kind === 'timeout';
    this.indexBlocked = opts.indexBlocked ?? false;
  }

  /** Whether the worker should pause and put the job back without spending an attempt. */
  get waitOut(): boolean {
    return this.clusterUnreachable || this.indexBlocked;
  }
}

/**
 * The cluster refused the whole bulk request in a way no retry can change (a 4xx other than 401/403/409/429,
 * a document the client cannot serialize). BullMQ's UnrecoverableError: the job fails at once instead of
 * spending its 20 attempts on the same answer; the worker files its events as dead letters first.
 */
export class PermanentIndexingError extends UnrecoverableError {
  readonly failure: ElasticsearchFailure;
  constructor(message: string, failure: ElasticsearchFailure, cause?: unknown) {
    super(message);
    this.failure = failure;
    this.cause = cause;
  }
}

/** The error a failed bulk request settles its events with: retry later, or give up now. */
export function bulkRequestError(err: unknown): RetryableIndexingError | PermanentIndexingError {
  const failure = classifyElasticsearchError(err);
  const detail = `${failure.reason}: ${(err as Error)?.message ?? String(err)}`;
  return failure.retryable
    ? new RetryableIndexingError(`bulk request failed, ${detail}`, err)
    : new PermanentIndexingError(`bulk request rejected, ${detail}`, failure, err);
}

/** Exponential backoff with full jitter, capped: spreads retries of many workers over time. */
export function backoffWithJitter(attempt: number, baseMs = 200, capMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
