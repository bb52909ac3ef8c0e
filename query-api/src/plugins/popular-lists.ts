import fp from 'fastify-plugin';
import { PopularListsKeeper } from '../recommendations/popular-keeper.js';

/**
 * The shared popular lists kept warm (recommendations/popular-keeper.ts): started once the app is ready,
 * stopped on close. Off with POPULAR_LISTS_KEEP_MS=0 or without a result cache.
 */
export default fp(
  async (app) => {
    const { keepMs, keepTop } = app.config.popularLists;
    if (keepMs <= 0 || app.config.cache.ttlSeconds <= 0) return;
    const keeper = new PopularListsKeeper(app, { keepMs, keepTop });
    app.addHook('onReady', async () => keeper.start());
    app.addHook('onClose', async () => keeper.close());
  },
  { name: 'popular-lists', dependencies: ['cache'] },
);
