import { Client } from '@elastic/elasticsearch';
import fp from 'fastify-plugin';
import { esNodes } from '../../../core/src/index.js';

/** One Elasticsearch client for the app; boot fails when the cluster does not answer; closed on close. */
export default fp(
  async (app) => {
    const { elasticsearch: es } = app.config;
    const client = new Client({
      // Every node of ES_URL: a request to a node that died is retried once on another (maxRetries).
      nodes: esNodes(es.url),
      auth: es.auth,
      requestTimeout: es.requestTimeoutMs,
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
