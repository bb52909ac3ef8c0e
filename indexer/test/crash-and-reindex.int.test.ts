import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { aliasTargets, ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import { queueNames, redisKeys } from '../../core/src/redis-keys.js';
import { reindex } from '../src/reindex.js';
import { startIndexerWorker } from '../src/worker.js';
import { cleanupRedis, dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { startService } from '../../test/lifecycle/processes.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedBed, listing, silentLogger, upsert, waitForQueueIdle } from './support.js';

describe('a worker killed mid-batch loses nothing', () => {
  const config = testConfig({ INDEXER_LOCK_MS: '2000', INDEXER_CONCURRENCY: '2', INDEXER_METRICS_PORT: '0' });
  const es = esClient(config);
  afterAll(async () => {
    await dropIndices(es, config.elasticsearch.alias);
    await cleanupRedis(config);
    await es.close();
  });

  it("retries the killed worker's jobs on another worker", async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    const producer = new ChangeProducer(config);
    const total = 30_000;
    for (let i = 0; i < total; i += 5000)
      await producer.publish(Array.from({ length: 5000 }, (_, k) => upsert(i + k, 1)));
    await producer.close();
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ES_INDEX_ALIAS: config.elasticsearch.alias,
      QUEUE_NAME: config.queue.name,
      REDIS_NAMESPACE: config.redis.namespace,
      INDEXER_LOCK_MS: '2000',
      INDEXER_CONCURRENCY: '2',
      INDEXER_METRICS_PORT: '0',
    };
    const names = queueNames(config);
    const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(names.changes, { connection, prefix: names.prefix });

    const victim = startService('indexer/src/main.ts', env);
    let activeAtKill = 0;
    for (let i = 0; i < 600 && activeAtKill === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const c = await queue.getJobCounts('active', 'completed');
      if ((c.active ?? 0) > 0 && (c.completed ?? 0) > 0) activeAtKill = c.active ?? 0;
    }
    victim.child.kill('SIGKILL');
    await victim.exited;
    expect(activeAtKill).toBeGreaterThan(0);
    const left = await queue.getJobCounts('waiting', 'active');
    expect((left.waiting ?? 0) + (left.active ?? 0)).toBeGreaterThan(0);

    const survivor = startService('indexer/src/main.ts', env);
    try {
      await waitForQueueIdle(config, 120_000);
    } finally {
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    }
    await es.indices.refresh({ index: config.elasticsearch.alias });
    expect((await es.count({ index: config.elasticsearch.alias })).count).toBe(total);
    await queue.close();
    connection.disconnect();
  });
});

describe('zero-downtime reindex under live writes', () => {
  const { config, es, alias } = isolatedBed({ INDEXER_FLUSH_MS: '5' });

  it('ends with every change present and no failed search during the swap', async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    const before = await aliasTargets(es, alias);
    const producer = new ChangeProducer(config);
    const worker = await startIndexerWorker(config, es, silentLogger);
    const redis = new Redis(config.redis.url);
    await producer.publish(Array.from({ length: 3000 }, (_, i) => upsert(i, 1)));
    await waitForQueueIdle(config);

    // Live writes: re-price existing listings (rising versions) and add new ones while the reindex runs.
    const latest = new Map<string, { version: number; price: number }>();
    let writing = true;
    let version = 2;
    const writer = (async () => {
      while (writing) {
        const events = Array.from({ length: 50 }, (_, k) => {
          const i = 2500 + ((version * 50 + k) % 1000); // 2500..3499: 3000 and up are new listings
          const price = 100 + version;
          latest.set(`g-99-${i}`, { version, price });
          return upsert(i, version, { price });
        });
        version++;
        await producer.publish(events);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let searches = 0;
    const failures: string[] = [];
    let searching = true;
    const searcher = (async () => {
      while (searching) {
        try {
          await es.search({ index: alias, query: { match: { title: 'shirt' } }, size: 1 });
          searches++;
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    })();

    const swaps: string[] = [];
    const subscriber = new Redis(config.redis.url);
    await subscriber.subscribe(redisKeys(config.redis.namespace).changes.indexSwaps);
    subscriber.on('message', (_ch, index) => swaps.push(index));
    const result = await reindex(es, redis, config, silentLogger);
    await new Promise((r) => setTimeout(r, 500)); // live writes continue after the swap too
    expect(swaps).toEqual([result.to]); // caches move to the new index generation
    subscriber.disconnect();
    writing = false;
    await writer;
    searching = false;
    await searcher;
    await waitForQueueIdle(config);
    await es.indices.refresh({ index: alias });

    expect(failures).toEqual([]);
    expect(searches).toBeGreaterThan(10);
    // Listings nobody touched came over by the copy; the rest may already have been dual-written newer.
    expect(result.copied).toBeGreaterThanOrEqual(2500);
    expect(result.copied + result.skippedNewer).toBeGreaterThanOrEqual(3000);
    const now = await aliasTargets(es, alias);
    expect(now).toEqual([result.to]);
    expect(now).not.toEqual(before);
    const ids = [...latest.keys()];
    const docs = await es.mget<{ version: number; price: number }>({ index: alias, ids });
    const wrong = docs.docs.filter((d) => {
      const want = latest.get(d._id)!;
      const got = 'found' in d && d.found ? d._source : undefined;
      return !got || got.version !== want.version || got.price !== want.price;
    });
    expect(wrong.map((d) => d._id)).toEqual([]);
    expect((await es.count({ index: alias })).count).toBe(
      new Set([...Array.from({ length: 3000 }, (_, i) => `g-99-${i}`), ...ids]).size,
    );

    await worker.close();
    await producer.close();
    redis.disconnect();
  });
});

describe('reindex from a file source', () => {
  const { config, es, alias } = isolatedBed();

  it('builds the new index from the source, keeps newer live state, swaps the alias', async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    const producer = new ChangeProducer(config);
    const worker = await startIndexerWorker(config, es, silentLogger);
    const redis = new Redis(config.redis.url);
    // Live state newer than the source for one listing (the source's versions are updated_at in ms, in
    // 2026-11; a version may be at most now + 1 day).
    const newer = upsert(5, Date.now(), { price: 123_456 });
    await producer.publish([newer]);
    await waitForQueueIdle(config);
    const dir = mkdtempSync(join(tmpdir(), 'reindex-'));
    const file = join(dir, 'catalog.ndjson');
    writeFileSync(file, Array.from({ length: 300 }, (_, i) => JSON.stringify(listing(i))).join('\n'));
    const result = await reindex(es, redis, config, silentLogger, { source: { kind: 'ndjson', path: file } });
    await waitForQueueIdle(config);
    await es.indices.refresh({ index: alias });
    expect(await aliasTargets(es, alias)).toEqual([result.to]);
    expect((await es.count({ index: alias })).count).toBe(300);
    // The file's older version of g-99-5 did not overwrite the newer live one.
    const doc = await es.get<{ price: number }>({ index: alias, id: 'g-99-5' });
    expect(doc._source!.price).toBe(123_456);
    await worker.close();
    await producer.close();
    redis.disconnect();
  });
});
