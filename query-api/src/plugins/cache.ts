import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { changeNotificationKeys } from '../../../indexer/src/change-notifications.js';
import { ResultCache } from '../cache/result-cache.js';

/** "1s" / "500ms" in milliseconds; "-1" (refresh off) counts as the default second. */
export function refreshIntervalMs(interval: string): number {
  const m = /^(\d+)(ms|s)$/.exec(interval);
  if (!m) return 1000;
  return m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
}

/**
 * The result cache, plus a subscription to the indexer's change notifications that drops cached
 * entries showing a changed listing (a dedicated connection: a subscribed Redis client can do nothing else).
 */
export default fp(
  async (app) => {
    const { cache, queue } = app.config;
    const resultCache = new ResultCache(app.redis, {
      prefix: queue.prefix,
      ttlSeconds: cache.ttlSeconds,
      memoryItems: cache.memoryItems,
      memoryBytes: cache.memoryBytes,
      memoryTtlMs: cache.memoryTtlMs,
      // A change is searchable after the next index refresh; half a second more for the refresh itself.
      changeVisibleAfterMs: refreshIntervalMs(app.config.elasticsearch.refreshInterval) + 500,
      stats: { record: (layer, result) => app.metrics.cacheRequests.inc({ layer, result }), refreshing: () => app.metrics.cacheRefreshes.inc() },
    });
    app.decorate('cache', resultCache);

    const subscriber = new Redis(app.config.redis.url, { maxRetriesPerRequest: null });
    const { channel } = changeNotificationKeys(queue.prefix);
    await subscriber.subscribe(channel);
    subscriber.on('message', (_ch, message) => {
      let ids: string[] = [];
      try {
        ids = JSON.parse(message) as string[];
      } catch {
        return;
      }
      resultCache.invalidateListings(ids).catch((err) => app.log.warn({ err }, 'cache invalidation failed'));
    });
    app.addHook('onClose', async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    });
  },
  { name: 'cache', dependencies: ['redis', 'metrics'] },
);
