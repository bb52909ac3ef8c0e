import {
  BaseConnection,
  type ConnectionRequestOptions,
  type ConnectionRequestOptionsAsStream,
  type ConnectionRequestParams,
  type ConnectionRequestResponse,
  type ConnectionRequestResponseAsStream,
} from '@elastic/elasticsearch';

/** A request the connection saw. */
export interface SeenRequest {
  method: string;
  path: string;
}

/**
 * A Connection class (the client's `Connection` option) whose every request gets the same answer, and
 * which records what it was asked: for failure paths only (a cluster that refuses a bulk request, or
 * fails it with a 5xx), which the real Elasticsearch cannot be made to do on demand. Like
 * elasticsearch-js's own test/utils/MockConnection: only the connection is fake, the client is real,
 * so its errors, retries and product check are the real ones.
 */
export function answeringConnection(
  statusCode: number,
  body: unknown,
): { Connection: typeof BaseConnection; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  class AnsweringConnection extends BaseConnection {
    override request(
      params: ConnectionRequestParams,
      options: ConnectionRequestOptions,
    ): Promise<ConnectionRequestResponse>;
    override request(
      params: ConnectionRequestParams,
      options: ConnectionRequestOptionsAsStream,
    ): Promise<ConnectionRequestResponseAsStream>;
    override async request(
      params: ConnectionRequestParams,
    ): Promise<ConnectionRequestResponse | ConnectionRequestResponseAsStream> {
      seen.push({ method: params.method, path: params.path });
      return {
        statusCode,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' },
      };
    }

    override async close(): Promise<void> {}
  }
  return { Connection: AnsweringConnection, seen };
}
