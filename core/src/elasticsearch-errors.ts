import { errors } from '@elastic/elasticsearch';

/**
 * What went wrong with an Elasticsearch call, in the terms a caller acts on:
 * - unreachable: no node answered (refused, reset, every node marked dead)
 * - timeout: a node took longer than the request timeout
 * - aborted: the caller aborted the request (its own deadline); nothing is known of the cluster
 * - overloaded: 429, the cluster sheds load (thread pool queues full, circuit breakers)
 * - blocked: an index block (`cluster_block_exception`, 403/429), e.g. the disk flood-stage watermark
 * - server: a 5xx (shards unavailable, a node left mid-request)
 * - unauthorized: 401, or a 403 that is not a block: the deployment's credentials or privileges
 * - rejected: any other 4xx: the request itself is at fault (a query we built, a document the mapping refuses)
 * - client: the client could not (de)serialize or is misconfigured: our side, before or after the cluster
 * - unknown: not an error of the Elasticsearch client
 */
export type ElasticsearchFailureKind =
  | 'unreachable'
  | 'timeout'
  | 'aborted'
  | 'overloaded'
  | 'blocked'
  | 'server'
  | 'unauthorized'
  | 'rejected'
  | 'client'
  | 'unknown';

/** The verdict on one failure: whether the same request may succeed later, and why. */
export interface ElasticsearchFailure {
  kind: ElasticsearchFailureKind;
  /** Sending the same request again later may succeed. */
  retryable: boolean;
  /** Why, in a few words (for logs and dead-letter reasons). */
  reason: string;
  /** HTTP status of a ResponseError or a bulk item. */
  status?: number;
  /** Elasticsearch's `error.type`, when the cluster said. */
  type?: string;
}

/**
 * Classifies an HTTP status and Elasticsearch error type: a ResponseError's, or one bulk item's (the
 * bulk response reports each document's failure the same way). A block is the cluster's state, lifted
 * by Elasticsearch (disk freed) or an operator, so it is waited out; 401/403 are fixed by a deployment
 * (a rotated secret, a granted privilege), not by changing the request, so they are retried too; any
 * other 4xx fails the same way every time.
 */
export function classifyStatus(status: number, type?: string): ElasticsearchFailure {
  const said = type ? `${status} ${type}` : `${status}`;
  if (type === 'cluster_block_exception' && (status === 403 || status === 429)) {
    return { kind: 'blocked', retryable: true, status, type, reason: `the index refuses writes for now (${said})` };
  }
  if (status === 429)
    return { kind: 'overloaded', retryable: true, status, type, reason: `the cluster sheds load (${said})` };
  if (status >= 500)
    return { kind: 'server', retryable: true, status, type, reason: `the cluster failed the request (${said})` };
  if (status === 401 || status === 403) {
    return {
      kind: 'unauthorized',
      retryable: true,
      status,
      type,
      reason: `credentials or privileges refused (${said})`,
    };
  }
  return { kind: 'rejected', retryable: false, status, type, reason: `the request is at fault (${said})` };
}

/**
 * Classifies an error thrown by the Elasticsearch client by its class (`instanceof errors.*`), never by
 * its name string. An error that is not the client's is `unknown` and counted retryable: it cannot be
 * shown to be permanent, and every retrying caller bounds its attempts.
 */
export function classifyElasticsearchError(err: unknown): ElasticsearchFailure {
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode;
    const type = (err.body as { error?: { type?: unknown } } | undefined)?.error?.type;
    if (status === undefined) return { kind: 'server', retryable: true, reason: 'a response without a status' };
    return classifyStatus(status, typeof type === 'string' ? type : undefined);
  }
  if (err instanceof errors.TimeoutError)
    return { kind: 'timeout', retryable: true, reason: 'no answer within the request timeout' };
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
    return { kind: 'unreachable', retryable: true, reason: 'no node answered' };
  }
  if (err instanceof errors.RequestAbortedError)
    return { kind: 'aborted', retryable: true, reason: 'the request was aborted by its caller' };
  if (err instanceof errors.ElasticsearchClientError) {
    // SerializationError, DeserializationError, ConfigurationError, ProductNotSupportedError: the same
    // request or the same node fails the same way again.
    return { kind: 'client', retryable: false, reason: `${err.name}: the client cannot send or read this request` };
  }
  return { kind: 'unknown', retryable: true, reason: 'not an Elasticsearch client error' };
}
