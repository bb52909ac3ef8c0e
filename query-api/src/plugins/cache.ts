import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { changeNotificationKeys, indexGeneration } from '../../../indexer/src/change-notifications.js';
import { aliasTargets } from '../../../indexer/src/index-admin.js';
import { ResultCache } from '../cache/result-cache.js';

/** "1s" / "500ms" in milliseconds; "-1" (refresh off) counts as the default second. */
export function refreshIntervalMs(interval: string): number {
  const m = /^(\d+)(ms|s)$/.exec(interval);
  if (!m) return 1000;
  return m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
}

/** How often the API re-reads the alias itself, in case it missed a swap notification (e.g. Redis reconnecting). */
const GENERATION_CHECK_MS = 15_000;

/**
 * The result cache, plus a subscription to the indexer's notifications (a dedicated connection: a
 * subscribed Redis client can do nothing else): changed listings drop the cached entries showing them;
 * an alias swap (reindex) moves the cache to the new index generation.
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
      refreshConcurrency: cache.refreshConcurrency,
      // A change is searchable after the next index refresh; half a second more for the refresh itself.
      changeVisibleAfterMs: refreshIntervalMs(app.config.elasticsearch.refreshInterval) + 500,
      stats: {
        record: (layer, result) => app.metrics.cacheRequests.inc({ layer, result }),
        refreshing: () => app.metrics.cacheRefreshes.inc(),
        refreshQueue: (size) => app.metrics.cacheRefreshQueue.set(size),
      },
    });
    app.decorate('cache', resultCache);

    const readGeneration = async () => {
      const indices = await aliasTargets(app.es, app.config.elasticsearch.alias);
      if (indices.length > 0) resultCache.setGeneration(indexGeneration(indices));
    };
    // Elasticsearch down at start: entries are keyed without a generation until the first check.
    await readGeneration().catch((err) => app.log.warn({ err }, 'could not read the index generation'));
    const generationCheck = setInterval(() => readGeneration().catch(() => undefined), GENERATION_CHECK_MS).unref();

    const subscriber = new Redis(app.config.redis.url, { maxRetriesPerRequest: null });
    const { channel, indexSwaps } = changeNotificationKeys(queue.prefix);
    await subscriber.subscribe(channel, indexSwaps);
    subscriber.on('message', (ch, message) => {
      if (ch === indexSwaps) {
        resultCache.setGeneration(message);
        return;
      }
      let ids: string[] = [];
      try {
        ids = JSON.parse(message) as string[];
      } catch {
        return;
      }
      resultCache.invalidateListings(ids).catch((err) => app.log.warn({ err }, 'cache invalidation failed'));
    });
    app.addHook('onClose', async () => {
      clearInterval(generationCheck);
      await subscriber.quit().catch(() => subscriber.disconnect());
    });
  },
  { name: 'cache', dependencies: ['redis', 'metrics', 'elasticsearch'] },
);
