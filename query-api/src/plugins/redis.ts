import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

/** One Redis client for the app; boot fails when Redis does not answer; closed on close. */
export default fp(
  async (app) => {
    const redis = new Redis(app.config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: true });
    await redis.connect();
    await redis.ping();
    app.decorate('redis', redis);
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'redis' },
);
