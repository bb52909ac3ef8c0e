import fp from 'fastify-plugin';
import { RecentListings } from '../recommendations/recent-listings.js';

/** Listing pages of the last seconds: at 100 first pages a second, 50 s of them (~1 KB each). */
const MAX_LISTINGS = 5_000;

/**
 * Listings read lately by id (recommendations/recent-listings.ts), shared by the similar lists and the
 * events of one listing page; dropped on the change notifications the cache plugin hears, and kept no
 * longer than the result cache's memory layer keeps an entry.
 */
export default fp(
  async (app) => {
    const recent = new RecentListings(
      app.es,
      app.config.elasticsearch.alias,
      { max: MAX_LISTINGS, ttlMs: app.config.cache.memoryTtlMs },
      (result) => app.metrics.recentListings.inc({ result }),
    );
    app.listingChanges.on('changed', (ids) => recent.drop(ids));
    app.decorate('recentListings', recent);
  },
  { name: 'recent-listings', dependencies: ['cache', 'metrics', 'elasticsearch'] },
);
