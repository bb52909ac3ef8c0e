import { Client } from '@elastic/elasticsearch';
import fp from 'fastify-plugin';

/** One Elasticsearch client for the app; boot fails when the cluster does not answer; closed on close. */
export default fp(
  async (app) => {
    const { elasticsearch: es } = app.config;
    const client = new Client({
      node: es.url,
      auth: es.auth,
      requestTimeout: es.requestTimeoutMs,
      // A slow cluster must give a quick 503, not a retried, doubled wait.
      maxRetries: 1,
      compression: false,
    });
    await client.cluster.health({ timeout: '5s' });
    app.decorate('es', client);
    app.addHook('onClose', async () => client.close());
  },
  { name: 'elasticsearch' },
);
