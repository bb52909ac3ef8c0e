import fp from 'fastify-plugin';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { indexGeneration } from '../../../core/src/pipeline/change-notifications.js';
import { aliasTargets } from '../../../core/src/pipeline/index-admin.js';
import { redisKeys, refreshIntervalMs, type ListingDocument } from '../../../core/src/index.js';
import { CHANGED_LISTING_FIELDS, toChangedListing } from '../cache/entry-scope.js';
import { ResultCache } from '../cache/result-cache.js';
import { foundSources } from '../search/mget.js';
import { bm25Scores } from '../search/bm25-scores.js';

/** How often the API re-reads the alias itself, in case it missed a swap notification (e.g. Redis reconnecting). */
const GENERATION_CHECK_MS = 15_000;
/**
 * Changed listings read one by one to find the cached results they may enter; a larger batch (a bulk
 * load, a reindex) drops every entry with a scope instead: reading and analysing thousands of listings
 * per bulk would cost more than recomputing what is hot.
 */
const MAX_LISTINGS_READ = 500;
/** How often a pod asks whether a change is searchable yet (one small ids query per batch of changes). */
const SEARCHABLE_POLL_MS = 100;
const SEARCHABLE_WAIT_MS = 30_000;

/**
 * The result cache, plus a subscription to the indexer's notifications (a dedicated connection: a
 * subscribed Redis client can do nothing else): changed listings drop the cached entries showing them
 * at once, and, once read back from the index (a realtime get: what the bulk wrote), the entries they
 * may now enter (a new listing matching a cached query, a price drop into a cached price_asc page);
 * an alias swap (reindex) moves the cache to the new index generation.
 *
 * Why match changes against cached queries in process rather than expire new-listing-sensitive pages
 * early: a short TTL or per-category generations drop every page of a category on every new listing in
 * it, while a page only needs to go when a listing could actually appear on it. Elasticsearch's
 * percolator would do the matching, but its module is not published for our local node. The matcher
 * (cache/entry-scope.ts) errs towards "may match"; docs/benchmarks.md has what it costs in hit rate.
 */
export default fp(
  async (app) => {
    const { cache, redis } = app.config;
    // A change is searchable after the next index refresh; half a second more for the refresh itself.
    const settleMs = refreshIntervalMs(app.config.elasticsearch.refreshInterval) + 500;
    const resultCache = new ResultCache(app.cacheRedis, {
      namespace: redis.namespace,
      ttlSeconds: cache.ttlSeconds,
      memoryItems: cache.memoryItems,
      memoryBytes: cache.memoryBytes,
      memoryTtlMs: cache.memoryTtlMs,
      refreshConcurrency: cache.refreshConcurrency,
      changeVisibleAfterMs: settleMs,
      stats: {
        record: (layer, result) => app.metrics.cacheRequests.inc({ layer, result }),
        refreshing: () => app.metrics.cacheRefreshes.inc(),
        revalidated: (outcome) => app.metrics.cacheRevalidations.inc({ outcome }),
        refreshQueue: (size) => app.metrics.cacheRefreshQueue.set(size),
        scopeDrops: (count) => app.metrics.cacheScopeDrops.inc(count),
        scopeRefreshes: (count) => app.metrics.cacheScopeRefreshes.inc(count),
        scopeMatches: (cause, count) => app.metrics.cacheScopeMatches.inc({ cause }, count),
        bm25Checks: (outcome, count) => app.metrics.cacheScopeBm25Checks.inc({ outcome }, count),
      },
      bm25Scores: (idsByQuery) => bm25Scores(app.es, app.config.elasticsearch.alias, idsByQuery),
    });
    app.decorate('cache', resultCache);
    app.metrics.readCacheMemoryFrom(() => resultCache.memoryUsage());
    // What else keeps listings in memory hears of their changes here (one subscription per pod).
    const listingChanges = new EventEmitter<{ changed: [ids: string[]] }>();
    app.decorate('listingChanges', listingChanges);

    const readGeneration = async () => {
      const indices = await aliasTargets(app.es, app.config.elasticsearch.alias);
      if (indices.length > 0) resultCache.setGeneration(indexGeneration(indices));
    };
    // Elasticsearch down at start: entries are keyed without a generation until the first check.
    await readGeneration().catch((err) => app.log.warn({ err }, 'could not read the index generation'));
    const generationCheck = setInterval(() => readGeneration().catch(() => undefined), GENERATION_CHECK_MS).unref();

    const subscriber = new Redis(app.config.redis.url, { maxRetriesPerRequest: null });
    // It reconnects (and resubscribes) by itself; an outage is a warning, not ioredis's "unhandled error event".
    subscriber.on('error', (err) => app.log.warn({ err }, 'cache invalidation subscriber: Redis error'));
    const { channel, vectorsChannel, indexSwaps } = redisKeys(redis.namespace).changes;
    await subscriber.subscribe(channel, vectorsChannel, indexSwaps);
    subscriber.on('message', (ch, message) => {
      if (ch === indexSwaps) {
        resultCache.setGeneration(message);
        return;
      }
      const heardAt = Date.now();
      let ids: string[];
      try {
        ids = JSON.parse(message) as string[];
      } catch {
        return;
      }
      // New vectors (vectorsChannel) leave the text as it was: entries showing those listings stay.
      if (ch === channel) {
        resultCache.invalidateListings(ids).catch((err) => app.log.warn({ err }, 'cache invalidation failed'));
        listingChanges.emit('changed', ids);
      }
      if (!cache.scopeInvalidation) return;
      readChanged(ids)
        .then(async ({ listings, versions }) => {
          const change = resultCache.noteChange(listings, heardAt);
          await untilSearchable(versions);
          await resultCache.changeSearchable(change);
        })
        .catch((err) => app.log.warn({ err }, 'cache scope invalidation failed'));
    });
    const alias = app.config.elasticsearch.alias;
    /** The changed listings as the index has them now (realtime get), with their versions; 'all' when too many or unreadable. */
    const readChanged = async (ids: string[]) => {
      if (ids.length > MAX_LISTINGS_READ) return { listings: 'all' as const, versions: undefined };
      try {
        const res = await app.es.mget<ListingDocument>({ index: alias, ids, _source: CHANGED_LISTING_FIELDS });
        const versions = new Map(
          res.docs.flatMap((d) =>
            'found' in d && d.found && d._version !== undefined ? [[d._id, d._version] as const] : [],
          ),
        );
        return { listings: foundSources(res).flatMap((doc) => (doc ? [toChangedListing(doc)] : [])), versions };
      } catch {
        return { listings: 'all' as const, versions: undefined };
      }
    };
    /**
     * Waits until searches show these versions (the index refreshes about every second), polling with an
     * ids query, so entries are dropped once, right when a recomputation can see the change. Not a fixed
     * delay: on a loaded node a refresh can come seconds late, and a drop before it would let a
     * recomputation that cannot see the change be cached. At most SEARCHABLE_WAIT_MS (a change that never
     * becomes searchable, e.g. rejected); the refresh interval and a half when the versions are unknown.
     */
    const untilSearchable = async (versions: Map<string, number> | undefined) => {
      const deadline = Date.now() + (versions ? SEARCHABLE_WAIT_MS : settleMs);
      while (versions && versions.size > 0 && Date.now() < deadline) {
        const res = await app.es
          .search({
            index: alias,
            query: { ids: { values: [...versions.keys()] } },
            version: true,
            _source: false,
            size: versions.size,
            track_total_hits: false,
          })
          .catch(() => undefined);
        const seen = new Map((res?.hits.hits ?? []).map((h) => [h._id!, h._version ?? 0]));
        if ([...versions].every(([id, v]) => (seen.get(id) ?? -1) >= v)) return;
        await new Promise((r) => setTimeout(r, SEARCHABLE_POLL_MS));
      }
      if (!versions) await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
    };
    app.addHook('onClose', async () => {
      clearInterval(generationCheck);
      await subscriber.quit().catch(() => subscriber.disconnect());
    });
  },
  { name: 'cache', dependencies: ['redis', 'metrics', 'elasticsearch'] },
);
