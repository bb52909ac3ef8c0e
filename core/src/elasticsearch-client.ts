import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { esNodes, type Config } from './config.js';

/**
 * What a caller may set beyond the typed config: its own timeout and retry policy (the indexer retries
 * the job, not the request; the API retries a refused connection once), or, in a test of a failure path
 * only, a mock `Connection` or other nodes.
 */
export type ElasticsearchClientOverrides = Omit<ClientOptions, 'node' | 'cloud'>;

/**
 * The one place an Elasticsearch client is built, so no process or script forgets a node of ES_URL or
 * the credentials. From the typed config: every node of ES_URL (the client spreads requests and skips a
 * dead one), basic auth when ES_USERNAME/ES_PASSWORD are set, and ES_REQUEST_TIMEOUT_MS. TLS follows the
 * URL: an `https://` node is spoken to over TLS, verified against Node's CAs plus NODE_EXTRA_CA_CERTS
 * (the k8s manifests mount the cluster's CA there), so no TLS setting of our own is needed.
 * Retries stay the client's default (3, never for a timed-out request) unless the caller overrides them.
 *
 * Not re-exported from core/src/index.ts: ranking imports core and must not load the Elasticsearch client.
 */
export function createElasticsearchClient(
  es: Pick<Config['elasticsearch'], 'url' | 'auth' | 'requestTimeoutMs'>,
  overrides: ElasticsearchClientOverrides = {},
): Client {
  return new Client({
    nodes: esNodes(es.url),
    ...(es.auth ? { auth: es.auth } : {}),
    requestTimeout: es.requestTimeoutMs,
    ...overrides,
  });
}
