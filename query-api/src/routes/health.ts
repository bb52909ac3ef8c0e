import type { FastifyPluginAsync } from 'fastify';

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
    const checks: Record<string, string> = {};
    const [es, redis] = await Promise.allSettled([app.es.cluster.health({ timeout: '1s' }), app.redis.ping()]);
    checks.elasticsearch = es.status === 'fulfilled' && es.value.status !== 'red' ? 'ok' : 'down';
    checks.redis = redis.status === 'fulfilled' ? 'ok' : 'down';
    const versions = app.ranking.versions();
    // A missing model is not "not ready": BM25 serves. It is reported so deploys can alert on it.
    checks.ranker = versions.primary ? `onnx@${versions.primary}` : 'bm25-fallback';
    const draining = app.lifecycle.draining;
    const ready = !draining && checks.elasticsearch === 'ok' && checks.redis === 'ok';
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : draining ? 'draining' : 'not_ready', checks };
  });
};
