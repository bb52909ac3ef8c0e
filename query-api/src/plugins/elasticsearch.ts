import fp from 'fastify-plugin';
import { createElasticsearchClient } from '../../../core/src/elasticsearch-client.js';

/** One Elasticsearch client for the app; boot fails when the cluster does not answer; closed on close. */
export default fp(
  async (app) => {
    // Every node of ES_URL, its credentials and ES_REQUEST_TIMEOUT_MS: a request to a node that died is
    // retried once on another (maxRetries).
    const client = createElasticsearchClient(app.config.elasticsearch, {
      // A slow cluster must give a quick 503, not a retried, doubled wait: the transport does not send
      // a timed-out request again (its retryOnTimeout is off by default); this retry is for a refused
      // or reset connection.
      maxRetries: 1,
      compression: false,
    });
    await client.cluster.health({ timeout: '5s' });
    app.decorate('es', client);
    app.addHook('onClose', async () => client.close());
  },
  { name: 'elasticsearch' },
);
