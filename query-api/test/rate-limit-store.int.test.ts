import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnRedis, ownServicesMissing } from '../../test/support/own-services.js';
import { uniqueName } from '../../test/support/services.js';
import { SharedRateCounts } from '../src/plugins/rate-limit-store.js';

// Rate-limit counts shared by pods through Redis in batches (rate-limit-store.ts), on a real Redis of
// the test's own, which it kills and restarts.
const missing = ownServicesMissing('redis');
const MINUTE = 60_000;
// Synced only when a test says so: a timer would make the counts depend on the test's speed.
const MANUAL = { syncMs: 3_600_000, maxKeys: 100 };

describe.skipIf(missing)('shared rate-limit counts', () => {
  const server = new OwnRedis(16_391 + Math.floor(Math.random() * 500));
  const clients: Redis[] = [];
  const counters: SharedRateCounts[] = [];
  const pod = (prefix: string, opts = MANUAL) => {
    // As the API's request-path client: no offline queue, so an outage fails a sync at once.
    const redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    clients.push(redis);
    const counts = new SharedRateCounts(redis, prefix, opts);
    counters.push(counts);
    return counts;
  };
  const connected = (r: Redis) => new Promise<void>((ok) => (r.status === 'ready' ? ok() : r.once('ready', ok)));

  beforeAll(async () => {
    if (missing) console.warn(`skipped: ${missing}`);
    await server.start();
  });
  afterAll(async () => {
    for (const c of counters) await c.close().catch(() => undefined);
    for (const r of clients) r.disconnect();
    await server.stop();
  });

  it('counts in process at once, and each pod sees the others after a sync', async () => {
    const prefix = `${uniqueName()}:`;
    const [a, b] = [pod(prefix), pod(prefix)];
    await Promise.all(clients.slice(-2).map(connected));
    expect([1, 2, 3].map(() => a.incr('ip:1', MINUTE).current)).toEqual([1, 2, 3]);
    expect(b.incr('ip:1', MINUTE).current).toBe(1); // b has not heard of a's requests yet
    await a.sync();
    await b.sync();
    expect(b.read('ip:1', MINUTE).current).toBe(4);
    expect(b.incr('ip:1', MINUTE).current).toBe(5);
    await a.sync(); // nothing new from a: it still reads what Redis said at its last sync
    expect(a.incr('ip:1', MINUTE).current).toBe(4);
    await a.sync();
    expect(a.read('ip:1', MINUTE).current).toBe(5); // b's latest request has not been sent yet
    await b.sync();
    expect(b.read('ip:1', MINUTE).current).toBe(6);
    // Callers count apart, and the window's time left is under the window.
    const other = a.incr('ip:2', MINUTE);
    expect(other.current).toBe(1);
    expect(other.ttl).toBeGreaterThan(0);
    expect(other.ttl).toBeLessThanOrEqual(MINUTE);
  });

  it('starts every caller over in the next window, and Redis forgets old windows', async () => {
    const prefix = `${uniqueName()}:`;
    const a = pod(prefix);
    await connected(clients.at(-1)!);
    const window = 200;
    a.incr('ip:1', window);
    a.incr('ip:1', window);
    await a.sync();
    const [key] = await clients.at(-1)!.keys(`${prefix}*`);
    expect(Number(await clients.at(-1)!.get(key!))).toBe(2);
    expect(await clients.at(-1)!.pttl(key!)).toBeLessThanOrEqual(2 * window);
    await new Promise((r) => setTimeout(r, window + 10));
    expect(a.incr('ip:1', window).current).toBe(1);
  });

  it('keeps counting alone while Redis is down, and hands its counts over when it is back', async () => {
    const prefix = `${uniqueName()}:`;
    const a = pod(prefix);
    const redis = clients.at(-1)!;
    await connected(redis);
    a.incr('key:app', MINUTE);
    await server.kill();
    for (let i = 0; i < 4; i++) a.incr('key:app', MINUTE);
    await expect(a.sync()).resolves.toBeUndefined(); // a failed sync is not the request's problem
    expect(a.read('key:app', MINUTE).current).toBe(5);
    await server.start();
    await connected(redis);
    await a.sync();
    const [key] = await redis.keys(`${prefix}*`);
    expect(Number(await redis.get(key!))).toBe(5);
    expect(a.read('key:app', MINUTE).current).toBe(5);
  });

  it('holds at most maxKeys callers', async () => {
    const a = pod(`${uniqueName()}:`, { ...MANUAL, maxKeys: 3 });
    for (const ip of ['1', '2', '3', '4']) a.incr(`ip:${ip}`, MINUTE);
    expect(a.read('ip:1', MINUTE).current).toBe(0); // the least recently seen went first
    expect(a.read('ip:4', MINUTE).current).toBe(1);
  });
});
