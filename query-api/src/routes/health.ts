import type { FastifyPluginAsync } from 'fastify';
import { checkReadiness } from '../health/readiness.js';

/**
 * Liveness says the process answers; readiness says Elasticsearch, Redis and the ranker are usable.
 * Probes are never rate-limited (a throttled probe would take a healthy pod out). Metrics are for
 * operators (Prometheus scrapes with an operator key as Basic credentials).
 */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  const probe = { schema: { hide: true }, config: { rateLimit: false } };
  app.get('/health/live', probe, async () => ({ status: 'ok' }));

  app.get('/metrics', { schema: { hide: true }, onRequest: app.requireScope('operator') }, async (_req, reply) => {
    reply.header('content-type', app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });

  app.get('/health/ready', probe, async (_req, reply) => {
    const { ready, status, checks } = await checkReadiness(app);
    reply.status(ready ? 200 : 503);
    return { status, checks };
  });
};
