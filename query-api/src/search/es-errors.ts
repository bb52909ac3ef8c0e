import { UnavailableError } from '../../../core/src/index.js';
import { classifyElasticsearchError } from '../../../core/src/elasticsearch-errors.js';

/**
 * Turns Elasticsearch client failures into what a client can act on: a timeout, a refused connection,
 * a 429/5xx or an index block means "retry shortly" (503 + Retry-After), never a hang or a raw 500.
 * Everything else passes through to the error handler as before: a 400 is a query we built wrong (our
 * bug, a 500), and neither an aborted request nor the deployment's credentials are the cluster's state.
 */
export function asBackendError(err: unknown): unknown {
  const failure = classifyElasticsearchError(err);
  switch (failure.kind) {
    case 'timeout':
      return new UnavailableError('elasticsearch', 'search timed out', { cause: err, retryAfterSeconds: 1 });
    case 'unreachable':
      return new UnavailableError('elasticsearch', 'not reachable', { cause: err, retryAfterSeconds: 2 });
    case 'overloaded':
    case 'server':
    case 'blocked':
      return new UnavailableError('elasticsearch', `cluster answered ${failure.status ?? 'an error'}`, {
        cause: err,
        retryAfterSeconds: 1,
      });
    default:
      return err;
  }
}

/** Runs an Elasticsearch call, mapping its failures and timing it. */
export async function esCall<T>(
  op: string,
  fn: () => Promise<T>,
  observe?: (op: string, seconds: number) => void,
): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } catch (err) {
    throw asBackendError(err);
  } finally {
    observe?.(op, (performance.now() - started) / 1000);
  }
}
