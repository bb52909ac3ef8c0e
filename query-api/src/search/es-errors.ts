import { UnavailableError } from '../../../core/src/index.js';

/**
 * Turns Elasticsearch client failures into what a client can act on: a timeout, a refused connection
 * or a 429/5xx means "retry shortly" (503 + Retry-After), never a hang or a raw 500.
 */
export function asBackendError(err: unknown): unknown {
  const e = err as { name?: string; meta?: { statusCode?: number } };
  if (e?.name === 'TimeoutError') return new UnavailableError('elasticsearch', 'search timed out', { cause: err, retryAfterSeconds: 1 });
  if (e?.name === 'ConnectionError' || e?.name === 'NoLivingConnectionsError') return new UnavailableError('elasticsearch', 'not reachable', { cause: err, retryAfterSeconds: 2 });
  const status = e?.meta?.statusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return new UnavailableError('elasticsearch', `cluster answered ${status}`, { cause: err, retryAfterSeconds: 1 });
  return err;
}

/** Runs an Elasticsearch call, mapping its failures and timing it. */
export async function esCall<T>(op: string, fn: () => Promise<T>, observe?: (op: string, seconds: number) => void): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } catch (err) {
    throw asBackendError(err);
  } finally {
    observe?.(op, (performance.now() - started) / 1000);
  }
}
