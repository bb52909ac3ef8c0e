import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { testConfig } from '../../test/support/services.js';
import { appWithCatalog, AS_APP, search, type TestApp } from './fixtures.js';

// The cache Redis is the same server's database 1 here: its own keyspace, as a second server would be.
const queueUrl = testConfig().redis.url;
const cacheUrl = Object.assign(new URL(queueUrl), { pathname: '/1' }).toString();

let t: TestApp;
let queueRedis: Redis;
let cacheRedis: Redis;
beforeAll(async () => {
  t = await appWithCatalog(100, { CACHE_REDIS_URL: cacheUrl });
  queueRedis = new Redis(queueUrl);
  cacheRedis = new Redis(cacheUrl);
});
afterAll(async () => {
  queueRedis.disconnect();
  cacheRedis.disconnect();
  await t.close();
});

/** The kinds of key (the segment after the namespace) a Redis holds for this test. */
async function kinds(redis: Redis): Promise<Set<string>> {
  const keys = await redis.keys(`${t.config.redis.namespace}:*`);
  return new Set(keys.map((k) => k.split(':')[1]!));
}

describe('CACHE_REDIS_URL: what can be recomputed lives in its own Redis', () => {
  it('puts cache entries, search windows and feed orders there, and profiles and events in the queue Redis', async () => {
    expect((await search(t.app, { q: 'nike', size: 2 })).headers['x-cache']).toBe('miss');
    const events = [{ user_id: 'ana', type: 'like', listing_id: 'fx-1', ts: new Date().toISOString() }];
    const posted = await t.app.inject({ method: 'POST', url: '/v1/events', payload: { events }, headers: AS_APP });
    expect(posted.statusCode).toBe(202);
    const feed = await t.app.inject({ url: '/v1/feed?user_id=ana&size=5', headers: AS_APP });
    expect(feed.statusCode, feed.body).toBe(200);

    const inCache = await kinds(cacheRedis);
    const inQueue = await kinds(queueRedis);
    for (const kind of ['cache', 'cache-by-listing', 'search-window', 'feed']) {
      expect(inCache, kind).toContain(kind);
      expect(inQueue, kind).not.toContain(kind);
    }
    expect(inQueue).toContain('profile');
    expect(inQueue).toContain('interactions');
    expect(inCache).not.toContain('profile');
  });

  it('shares the cache between pods through it, and reports it as ready', async () => {
    const q = { q: 'adidas', size: 1 };
    expect((await search(t.app, q)).headers['x-cache']).toBe('miss');
    const other = await buildApp(t.config, { logger: false });
    try {
      expect((await search(other, q)).headers['x-cache']).toBe('redis');
    } finally {
      await other.close();
    }
    const ready = await t.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toMatchObject({ redis: 'ok', cache_redis: 'ok' });
  });

  it('keeps searching and similar items, uncached, while the cache Redis is down; feeds 503; readiness stays, naming it down', async () => {
    const other = await buildApp(t.config, { logger: false });
    try {
      other.cacheRedis.disconnect();
      const res = await search(other, { q: 'nike', size: 2 });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.headers['x-cache']).toBe('miss');
      expect((await other.inject({ url: '/v1/listings/fx-1/similar?size=5' })).statusCode).toBe(200);
      // A feed's order cannot be stored for its later pages: 503, retry shortly.
      const feed = await other.inject({ url: '/v1/feed?user_id=ana&size=5', headers: AS_APP });
      expect(feed.statusCode, feed.body).toBe(503);
      expect(feed.headers['retry-after']).toBeDefined();
      // Still ready: taking every pod out for a cache would turn its outage into a full one.
      const ready = await other.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks).toMatchObject({ redis: 'ok', cache_redis: 'down' });
    } finally {
      await other.close();
    }
  });
});
