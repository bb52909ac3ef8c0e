import fp from 'fastify-plugin';
import { FreshList } from '../recommendations/fresh-list.js';

/**
 * The shared fresh list of the home feed (recommendations/fresh-list.ts), kept current from the index and
 * the change notifications the cache plugin hears. A failed read keeps the last list and is logged once
 * until a read succeeds again (it is retried every FRESH_POLL_MS while feeds are read).
 */
export default fp(
  async (app) => {
    let failing = false;
    const list = new FreshList(
      app.es,
      app.config.elasticsearch.alias,
      (err) => {
        app.metrics.freshListReadFailures.inc();
        if (!failing)
          app.log.warn({ component: 'fresh-list', err: err.message }, 'fresh list read failed; serving the last one');
        failing = true;
      },
      () => {
        failing = false;
      },
    );
    app.listingChanges.on('changed', (ids) => list.drop(ids));
    app.decorate('freshListings', list);
    app.addHook('onClose', async () => list.close());
  },
  { name: 'fresh-listings', dependencies: ['cache'] },
);
