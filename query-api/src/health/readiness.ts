import type { FastifyInstance } from 'fastify';

/** What the readiness probe answers: ready only when both backends answer and the process is not draining. */
export interface Readiness {
  ready: boolean;
  status: 'ready' | 'draining' | 'not_ready';
  checks: Record<string, string>;
}

/**
 * Elasticsearch (not red, within a second), Redis (a ping) and the ranker. A missing model is not "not
 * ready": BM25 serves. It is reported so deploys can alert on it. So is a cache Redis of its own that is
 * down: searches and similar items still answer, uncached, and taking every pod out of the load balancer
 * for it would turn a cache outage into a full one.
 */
export async function checkReadiness(app: FastifyInstance): Promise<Readiness> {
  const checks: Record<string, string> = {};
  const ownCache = app.cacheRedis !== app.redis;
  const [es, redis, cacheRedis] = await Promise.allSettled([
    app.es.cluster.health({ timeout: '1s' }),
    app.redis.ping(),
    ownCache ? app.cacheRedis.ping() : Promise.resolve('PONG'),
  ]);
  checks.elasticsearch = es.status === 'fulfilled' && es.value.status !== 'red' ? 'ok' : 'down';
  checks.redis = redis.status === 'fulfilled' ? 'ok' : 'down';
  if (ownCache) checks.cache_redis = cacheRedis.status === 'fulfilled' ? 'ok' : 'down';
  const versions = app.ranking.versions();
  checks.ranker = versions.primary ? `onnx@${versions.primary}` : 'bm25-fallback';
  const draining = app.lifecycle.draining;
  const ready = !draining && checks.elasticsearch === 'ok' && checks.redis === 'ok';
  return { ready, status: ready ? 'ready' : draining ? 'draining' : 'not_ready', checks };
}
