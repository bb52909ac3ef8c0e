import { errors, type DiagnosticResult } from '@elastic/elasticsearch';

/** What the transport records of a request; classifiers read only the status and the body. */
export function diagnostic(statusCode?: number, body?: unknown): DiagnosticResult {
  return {
    body,
    statusCode,
    headers: {},
    warnings: null,
    meta: {
      context: null,
      name: 'test',
      request: { params: { method: 'POST', path: '/_bulk' }, options: {}, id: 1 },
      connection: null,
      attempts: 0,
      aborted: false,
    },
  };
}

/** The client's ResponseError for a status and, optionally, Elasticsearch's `error.type`. */
export function responseError(statusCode: number, type?: string, reason = 'test'): errors.ResponseError {
  return new errors.ResponseError(diagnostic(statusCode, type ? { error: { type, reason }, status: statusCode } : {}));
}
