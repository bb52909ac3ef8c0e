import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { get } from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { toListingDocument } from '../../core/src/index.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import { queueNames } from '../../core/src/redis-keys.js';
import { generateListings } from '../../indexer/src/sources/generator.js';
import { upsertEvent } from '../../indexer/src/sources/to-events.js';
import { cleanupRedis, dropIndices, esClient, testConfig } from '../support/services.js';
import { startService, waitForOk } from './processes.js';

/** A GET resolving with its status (agent: false, so each request has its own connection). */
function searchRequest(url: string): Promise<number> {
  return new Promise<number>((res, rej) => {
    const req = get(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => res(response.statusCode ?? 0));
    });
    req.on('error', rej);
  });
}

/** How many search requests the API has logged as received (its "incoming request" lines at info). */
const searchesReceived = (output: string) =>
  output.split('\n').filter((l) => l.includes('"incoming request"') && l.includes('/v1/search')).length;

const config = testConfig();
const es = esClient(config);
const env = (extra: Record<string, string> = {}) => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  ES_INDEX_ALIAS: config.elasticsearch.alias,
  QUEUE_NAME: config.queue.name,
  REDIS_NAMESPACE: config.redis.namespace,
  INGEST_API_KEYS: 'k',
  ...extra,
});

afterAll(async () => {
  await dropIndices(es, config.elasticsearch.alias);
  await cleanupRedis(config);
  await es.close();
});

describe('SIGTERM drains work instead of dropping it', () => {
  it('the query API answers every in-flight request, then exits 0', async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    const docs = [...generateListings({ count: 2000, seed: 5 })].map((l) => toListingDocument(l, 1, l.updated_at));
    await es.bulk({
      refresh: true,
      operations: docs.flatMap((d) => [{ index: { _index: config.elasticsearch.alias, _id: d.id } }, d]),
    });
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const api = startService(
      'query-api/src/main.ts',
      // debug: Fastify's per-request "incoming request" lines, which tell this test what the server has.
      env({ PORT: String(port), CACHE_TTL_SECONDS: '0', SHUTDOWN_DELAY_MS: '500', LOG_LEVEL: 'debug' }),
    );
    await waitForOk(`http://127.0.0.1:${port}/health/ready`, api);

    const queries = ['nike', 'lego set', 'vintage dress', 'iphone case', 'yoga mat', 'sneakers', 'camera lens', 'sofa'];
    const inFlight = Array.from({ length: 60 }, (_, i) =>
      searchRequest(
        `http://127.0.0.1:${port}/v1/search?q=${encodeURIComponent(queries[i % queries.length]!)}&size=20&price_min=${i}`,
      ),
    );
    // SIGTERM only once the API has received every request: in flight means the server has it. On a
    // loaded machine a connected client's request can still sit unread in its socket when the short
    // drain of this test ends, and closing resets it; production drains for 5 s (k8s ConfigMap).
    for (let i = 0; i < 400 && searchesReceived(api.output()) < inFlight.length; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(searchesReceived(api.output())).toBe(inFlight.length);
    api.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    // Draining: still answering, but no longer ready (traffic moves to other pods).
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(503);
    const statuses = await Promise.all(inFlight);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await api.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });

  it('a client that connected and never sent a request does not keep the query API from exiting', async () => {
    // Load generators and proxies open connections ahead of use; one whose peer went away without a FIN
    // is neither idle (no request was ever answered on it) nor in flight, and server.close() waits for it.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const api = startService(
      'query-api/src/main.ts',
      env({ PORT: String(port), SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000' }),
    );
    await waitForOk(`http://127.0.0.1:${port}/health/ready`, api);
    const silent = connect(port, '127.0.0.1');
    silent.on('error', () => {}); // the API closes it
    await new Promise((r) => silent.once('connect', r));
    const startedAt = Date.now();
    api.child.kill('SIGTERM');
    const code = await Promise.race([
      api.exited,
      new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000)),
    ]);
    silent.destroy();
    if (code !== 0) api.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(api.output()).toContain('closing connections still open');
  });

  it('the indexer worker finishes its batches, loses no job, exits 0', async () => {
    const producer = new ChangeProducer(config);
    const events = [...generateListings({ count: 20_000, seed: 6 })].map((l) => upsertEvent(l));
    for (let i = 0; i < events.length; i += 5000) await producer.publish(events.slice(i, i + 5000));
    await producer.close();
    const names = queueNames(config);
    const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(names.changes, { connection, prefix: names.prefix });
    const totalJobs = Object.values(await queue.getJobCounts('waiting')).reduce((a, b) => a + b, 0);

    const worker = startService('indexer/src/main.ts', env({ INDEXER_METRICS_PORT: '0' }));
    for (let i = 0; i < 600; i++) {
      const c = await queue.getJobCounts('active', 'completed');
      if ((c.active ?? 0) > 0 && (c.completed ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const after = await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    expect(after.active).toBe(0); // nothing left half-done: in-flight batches were finished
    expect(after.failed).toBe(0);
    expect((after.waiting ?? 0) + (after.completed ?? 0) + (after.delayed ?? 0)).toBe(totalJobs);

    // What was not started yet is still queued: a new worker finishes it, and every listing is there.
    const next = startService('indexer/src/main.ts', env({ INDEXER_METRICS_PORT: '0' }));
    for (let i = 0; i < 1200; i++) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed');
      if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    await es.indices.refresh({ index: config.elasticsearch.alias });
    const ids = events.map((e) => e.listing_id);
    const found = await es.count({ index: config.elasticsearch.alias, query: { ids: { values: ids } } });
    expect(found.count).toBe(ids.length);
    await queue.close();
    connection.disconnect();
  });
});
