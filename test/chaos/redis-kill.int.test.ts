import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ListingChangeEvent } from '../../core/src/index.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { startIndexerWorker, type IndexerWorker } from '../../indexer/src/worker.js';
import { silentLogger, waitForQueueIdle } from '../../indexer/test/support.js';
import { buildApp } from '../../query-api/src/app.js';
import { OwnRedis, ownServicesMissing } from '../support/own-services.js';
import { dropIndices, esClient, TEST_KEYS, testConfig } from '../support/services.js';
import { change, missingFromIndex, postChanges, search, type Answer } from './support.js';

// Our own Redis (never the shared one): SIGKILLed mid-load and restarted from its AOF.
const skip = ownServicesMissing('redis');
const redis = new OwnRedis(Number(process.env.CHAOS_TEST_REDIS_PORT ?? 6391));
const config = testConfig({ REDIS_URL: redis.url, API_REQUEST_BUDGET_MS: '3000' });
const es = esClient(config);
const key = TEST_KEYS.ingest;
let app: FastifyInstance;
let worker: IndexerWorker;

beforeAll(async () => {
  if (skip) return;
  await redis.start();
  await ensureListingsIndex(es, config.elasticsearch);
  app = await buildApp(config, { logger: false });
  worker = await startIndexerWorker(config, es, silentLogger);
});
afterAll(async () => {
  if (skip) return;
  await app?.close();
  await worker?.close();
  await redis.stop();
  await dropIndices(es, config.elasticsearch.alias);
  await es.close();
});

describe.skipIf(skip)('Redis SIGKILLed under load and restarted from its AOF', () => {
  it('answers at once (503 + Retry-After, or search without the cache) while it is down, and loses no accepted change', async () => {
    const accepted: ListingChangeEvent[] = [];
    let version = 2;
    const batch = () => {
      version += 2;
      return Array.from({ length: 5 }, (_, i) => change('rk', i, version));
    };
    for (let i = 0; i < 5; i++) expect(await postChanges(app, key, batch(), accepted)).toMatchObject({ status: 202 });

    await redis.kill();
    const down: Answer[] = [];
    const events: Answer[] = [];
    for (let i = 0; i < 5; i++) {
      down.push(await postChanges(app, key, batch(), accepted));
      down.push(await search(app, 'dress'));
      const started = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'x-api-key': TEST_KEYS.app },
        payload: { events: [{ user_id: 'u1', type: 'search', query: 'dress', ts: new Date().toISOString() }] },
      });
      events.push({
        status: res.statusCode,
        ms: performance.now() - started,
        retryAfter: res.headers['retry-after'] as string | undefined,
      });
    }
    // Interaction events go to Redis only: while it is down they are refused, never a 202 for a write that did not happen.
    expect(events.map((e) => e.status)).toEqual([503, 503, 503, 503, 503]);
    down.push(...events);
    for (const a of down) {
      // Never a wait for the reconnect: within the request budget, a 503 the client may retry, or a search served without the cache.
      expect(a.ms).toBeLessThan(3000);
      expect([200, 503]).toContain(a.status);
      if (a.status === 503) expect(a.retryAfter).toBe('1');
    }
    expect(down.filter((a) => a.status === 503).length).toBeGreaterThanOrEqual(5); // every change request

    await redis.start();
    // The clients reconnect by themselves (ioredis backoff); the API takes changes again.
    const deadline = Date.now() + 15_000;
    while ((await postChanges(app, key, batch(), accepted)).status !== 202) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 250));
    }
    for (let i = 0; i < 3; i++) expect(await postChanges(app, key, batch(), accepted)).toMatchObject({ status: 202 });
    await waitForQueueIdle(config, 30_000);
    expect(await missingFromIndex(es, config.elasticsearch.alias, accepted)).toEqual([]);
  });
});

if (skip) console.warn(`skipping the Redis kill test: ${skip}`);
