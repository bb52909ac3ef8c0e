import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { changeNotificationKeys } from '../../../indexer/src/change-notifications.js';
import { ResultCache } from '../cache/result-cache.js';

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
      memoryTtlMs: cache.memoryTtlMs,
      stats: { record: (layer, result) => app.metrics.cacheRequests.inc({ layer, result }) },
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
