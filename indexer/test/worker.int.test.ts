import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexMappings, indexSettings, redisKeys } from '../../core/src/index.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import { deleteEvent } from '../src/sources/to-events.js';
import { startIndexerWorker, type IndexerWorker } from '../src/worker.js';
import { WriteTargets } from '../src/write-targets.js';
import { cleanupRedis, dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { getDoc, silentLogger, upsert, waitForQueueIdle } from './support.js';

const config = testConfig({ INDEXER_FLUSH_MS: '5' });
const es = esClient(config);
const alias = config.elasticsearch.alias;
let producer: ChangeProducer;
let indexer: IndexerWorker;

beforeAll(async () => {
  await ensureListingsIndex(es, config.elasticsearch);
  producer = new ChangeProducer(config);
  indexer = await startIndexerWorker(config, es, silentLogger);
});

afterAll(async () => {
  await indexer.close();
  await producer.close();
  await dropIndices(es, alias);
  await cleanupRedis(config);
  await es.close();
});

describe('indexer worker on real Elasticsearch and Redis', () => {
  it('ends in the newest state whatever the order and duplication of events', async () => {
    // v3 first, then a late v1, a duplicated v3 and v2: the title of v3 must win.
    await producer.publish([upsert(1, 300, { title: 'Version three' })]);
    await waitForQueueIdle(config);
    await producer.publish([
      upsert(1, 100, { title: 'Version one' }),
      upsert(1, 300, { title: 'Version three' }),
      upsert(1, 200, { title: 'Version two' }),
    ]);
    await waitForQueueIdle(config);
    const doc = await getDoc(es, alias, 'g-99-1');
    expect(doc).toMatchObject({ title: 'Version three', version: 300 });
  });

  it('keeps a delete: an older upsert replayed later does not resurrect the listing', async () => {
    await producer.publish([upsert(2, 100), deleteEvent('g-99-2', 200)]);
    await waitForQueueIdle(config);
    await producer.publish([upsert(2, 150, { title: 'zombie' })]);
    await waitForQueueIdle(config);
    const doc = await getDoc(es, alias, 'g-99-2');
    expect(doc).toMatchObject({ status: 'deleted', version: 200 });
    const visible = await es.count({
      index: alias,
      query: { bool: { filter: [{ term: { status: 'on_sale' } }, { ids: { values: ['g-99-2'] } }] } },
    });
    expect(visible.count).toBe(0);
  });

  it('replaying the whole stream twice gives the same index', async () => {
    const stream = [
      upsert(10, 1),
      upsert(11, 1),
      upsert(10, 2, { price: 777 }),
      deleteEvent('g-99-11', 5),
      upsert(12, 3),
    ];
    await producer.publish(stream);
    await waitForQueueIdle(config);
    const snapshot = async () =>
      Promise.all(
        ['g-99-10', 'g-99-11', 'g-99-12'].map(async (id) => {
          const d = await getDoc(es, alias, id);
          return { id, version: d?.version, status: d?.status, price: d?.price };
        }),
      );
    const first = await snapshot();
    await producer.publish(stream);
    await producer.publish([...stream].reverse());
    await waitForQueueIdle(config);
    expect(await snapshot()).toEqual(first);
    expect(first).toEqual([
      { id: 'g-99-10', version: 2, status: 'on_sale', price: 777 },
      { id: 'g-99-11', version: 5, status: 'deleted', price: undefined },
      { id: 'g-99-12', version: 3, status: 'on_sale', price: expect.any(Number) },
    ]);
  });

  it('sends a poison event to the dead-letter queue while the rest of its batch is indexed', async () => {
    const poison = upsert(21, 1);
    // Valid for the schema, refused by Elasticsearch. The schema now takes only what the listings
    // mapping takes (formerly February 30 was such an event), so the refusal comes from an index a
    // reindex writes to meanwhile, defined more strictly (like_count as a `short`): a real per-item
    // bulk error in the middle of a batch, which the other events of the batch must survive.
    (poison as { listing: { like_count: number } }).listing.like_count = 40_000;
    const strict = `${alias}-strict`;
    await es.indices.create({
      index: strict,
      mappings: { ...indexMappings, properties: { ...indexMappings.properties, like_count: { type: 'short' } } },
      settings: indexSettings({ shards: 1, replicas: 0, refreshInterval: '1s' }),
    });
    const targetsRedis = new Redis(config.redis.url);
    const targets = new WriteTargets(
      targetsRedis,
      redisKeys(config.redis.namespace).changes.writeTargets(config.queue.name),
    );
    await targets.add(strict);
    await new Promise((r) => setTimeout(r, WriteTargets.REFRESH_MS * 2));
    // Invalid for the schema: goes to the DLQ before reaching Elasticsearch (sent straight to the queue).
    const malformed = { op: 'upsert', listing_id: 'g-99-22', version: 1, emitted_at: 'soon' };
    try {
      await producer.publish([upsert(20, 1), poison, upsert(23, 1)]);
      // The cast is the point: a payload the job type forbids, as an older producer could still enqueue.
      await producer.bullQueue.add('changes', { events: [malformed as never, upsert(24, 1)], enqueued_at: Date.now() });
      await waitForQueueIdle(config);
    } finally {
      await targets.remove(strict);
      targetsRedis.disconnect();
      await new Promise((r) => setTimeout(r, WriteTargets.REFRESH_MS * 2));
    }
    for (const id of ['g-99-20', 'g-99-23']) expect(await getDoc(es, strict, id)).toBeDefined();
    for (const id of ['g-99-20', 'g-99-23', 'g-99-24']) expect(await getDoc(es, alias, id)).toBeDefined();
    expect(await getDoc(es, strict, 'g-99-21')).toBeUndefined();
    const letters = await indexer.deadLetters.list();
    const byId = new Map(letters.map((l) => [(l.letter.event as { listing_id: string }).listing_id, l.letter]));
    expect(byId.get('g-99-21')?.reason).toMatch(/like_count|parse/);
    expect(byId.get('g-99-22')?.reason).toMatch(/invalid event/);
    expect((byId.get('g-99-21')?.event as { version: number }).version).toBe(1);
  });

  it('replays dead letters: a valid one is indexed and removed, an invalid one stays with its reason', async () => {
    // As if dead-lettered during an incident that has since been fixed.
    await indexer.deadLetters.add([
      { event: upsert(40, 1), reason: 'mapper_parsing_exception: (since fixed)', failed_at: new Date().toISOString() },
    ]);
    const ids = (await indexer.deadLetters.list()).map((l) => l.id);
    expect(ids).toContain('g-99-40@v1');
    const result = await indexer.deadLetters.replay((events) => producer.publish(events), ['g-99-40@v1', 'g-99-22@v1']);
    expect(result.replayed).toEqual(['g-99-40@v1']);
    expect(result.stillInvalid.map((r) => r.id)).toEqual(['g-99-22@v1']);
    expect(result.stillInvalid[0]!.reason).toMatch(/emitted_at/);
    await waitForQueueIdle(config);
    expect(await getDoc(es, alias, 'g-99-40')).toBeDefined();
    expect((await indexer.deadLetters.list()).map((l) => l.id)).not.toContain('g-99-40@v1');
  });

  it('files dead letters whose listing id holds a colon (BullMQ ids cannot), and finds and replays them by either id', async () => {
    // Schema-invalid (a negative price) and sent straight to the queue, as a producer of an older release would.
    const bad = upsert(50, 3, { id: 'shop:50', price: -1 });
    await producer.bullQueue.add('changes', { events: [bad, upsert(51, 1)], enqueued_at: Date.now() });
    await waitForQueueIdle(config);
    expect(await producer.bullQueue.getJobCounts('failed')).toEqual({ failed: 0 });
    const listed = (await indexer.deadLetters.list()).map((l) => l.id);
    expect(listed).toContain('shop%3A50@v3');
    expect(decodeURIComponent('shop%3A50@v3')).toBe('shop:50@v3');
    expect((await indexer.deadLetters.get('shop:50@v3'))?.reason).toMatch(/price/);
    expect((await indexer.deadLetters.get('shop%3A50@v3'))?.event).toEqual(bad);
    // A letter whose cause was fixed meanwhile: replayed by its raw id, indexed, removed.
    await indexer.deadLetters.add([
      { event: upsert(52, 1, { id: 'shop:52' }), reason: 'since fixed', failed_at: new Date().toISOString() },
    ]);
    const result = await indexer.deadLetters.replay((events) => producer.publish(events), ['shop:52@v1', 'shop:50@v3']);
    expect(result.replayed).toEqual(['shop:52@v1']);
    expect(result.stillInvalid).toEqual([{ id: 'shop:50@v3', reason: expect.stringMatching(/price/) }]);
    await waitForQueueIdle(config);
    expect(await getDoc(es, alias, 'shop:52')).toMatchObject({ id: 'shop:52' });
    expect((await indexer.deadLetters.list()).map((l) => l.id)).not.toContain('shop%3A52@v1');
  });

  it('announces changed listings after each bulk (for cache invalidation)', async () => {
    const keys = redisKeys(config.redis.namespace).changes;
    const sub = new Redis(config.redis.url);
    const seen: string[] = [];
    await sub.subscribe(keys.channel);
    sub.on('message', (_c, msg) => seen.push(...(JSON.parse(msg) as string[])));
    const redis = new Redis(config.redis.url);
    const genBefore = Number(await redis.get(keys.bulkCounter));
    await producer.publish([upsert(30, 1)]);
    await waitForQueueIdle(config);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toContain('g-99-30');
    expect(Number(await redis.get(keys.bulkCounter))).toBeGreaterThan(genBefore);
    sub.disconnect();
    redis.disconnect();
  });

  it('exposes consumption, bulk latency, lag and DLQ metrics', async () => {
    const text = await indexer.metrics.registry.metrics();
    expect(text).toMatch(/indexer_events_consumed_total\{op="upsert",outcome="ok"\} \d+/);
    expect(text).toMatch(/indexer_bulk_duration_seconds_count [1-9]/);
    expect(text).toMatch(/indexer_index_lag_seconds_count [1-9]/);
    expect(text).toMatch(/indexer_dlq_size [1-9]/);
    expect(text).toMatch(/indexer_queue_depth\{state="waiting"\} 0/);
  });
});
