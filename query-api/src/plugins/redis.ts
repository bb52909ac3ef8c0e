import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { UnavailableError } from '../../../core/src/index.js';

/**
 * The request path's Redis clients: `redis` for what must survive (profiles, events, the queue) and
 * `cacheRedis` for what can be recomputed (result cache, search windows, feed orders), one client when
 * CACHE_REDIS_URL is not set. Boot fails when either does not answer; both are closed on close.
 *
 * Why a second Redis: the first runs `noeviction` with AOF for BullMQ's queue. Cache entries there are
 * written to disk (93 % of the AOF under the latency bench, which rewrote it 2-4 times a run), and they
 * could fill the memory the queue needs. A cache Redis without persistence evicts instead
 * (docs/operations.md, "Two Redis").
 *
 * A request must never wait for Redis to come back: with the offline queue off, a command issued while
 * the connection is down fails at once (the cache is bypassed, the route answers 503); `commandTimeout`
 * bounds a command on a connection that is up but stuck (a Redis frozen or SIGKILLed mid-reply, before
 * the socket notices). Without these, ioredis queues the command until it reconnects: requests hung
 * for seconds during a Redis restart (issue 22).
 */
export default fp(
  async (app) => {
    const { url, cacheUrl, commandTimeoutMs } = app.config.redis;
    const connect = async (to: string) => {
      const redis = new Redis(to, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: commandTimeoutMs,
      });
      // Without a listener ioredis logs every failed reconnect attempt as an unhandled error event.
      redis.on('error', (err) => app.log.debug({ err: err.message }, 'redis connection error'));
      app.addHook('onClose', async () => {
        await redis.quit().catch(() => redis.disconnect());
      });
      await redis.connect();
      await redis.ping();
      return redis;
    };
    const redis = await connect(url);
    app.decorate('redis', redis);
    app.decorate('cacheRedis', cacheUrl === url ? redis : await connect(cacheUrl));
  },
  { name: 'redis' },
);

/**
 * The messages ioredis gives its connection-level failures. ioredis throws plain `Error`s for these
 * (no class or code to test), so the message is the only thing to match; names cover the two it does type.
 */
const UNAVAILABLE_MESSAGES = [
  "Stream isn't writeable",
  'Command timed out',
  'Connection is closed',
  'Command aborted due to connection close',
  'Reached the max retries per request limit',
];

/**
 * A Redis failure that says "Redis is down or stuck, retry shortly" as a 503 with Retry-After;
 * anything else (a bug, a Redis reply error) is returned unchanged.
 */
export function asRedisError(err: unknown): unknown {
  const e = err as { name?: string; message?: string; code?: string };
  if (!(err instanceof Error) || err instanceof UnavailableError) return err;
  const down =
    e.name === 'MaxRetriesPerRequestError' ||
    e.name === 'AbortError' ||
    e.code === 'ECONNREFUSED' ||
    e.code === 'ECONNRESET' ||
    UNAVAILABLE_MESSAGES.some((m) => e.message?.startsWith(m));
  return down ? new UnavailableError('redis', 'not reachable', { cause: err, retryAfterSeconds: 1 }) : err;
}
