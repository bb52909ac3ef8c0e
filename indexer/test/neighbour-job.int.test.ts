import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/src/index.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { NeighbourJob } from '../src/neighbours/neighbour-job.js';
import { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import { startIndexerWorker, type IndexerWorker } from '../src/worker.js';
import { cleanupRedis, dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { silentLogger, upsert, waitForQueueIdle } from './support.js';

const redis = new Redis(testConfig().redis.url);
const fixedNow = Date.now();
const clock = () => fixedNow;
const ts = new Date(fixedNow - 60_000).toISOString();
/** A small stream: users liking overlapping sets of listings, as the API appends them. */
async function appendLikes(prefix: string, likes: Array<[string, string]>): Promise<void> {
  const tx = redis.pipeline();
  for (const [user, listing] of likes)
    tx.xadd(
      redisKeys(prefix).interactions,
      '*',
      'event',
      JSON.stringify({ user_id: user, type: 'like', listing_id: listing, ts }),
    );
  await tx.exec();
}
const LIKES: Array<[string, string]> = Array.from({ length: 240 }, (_, i) => [`u${i % 17}`, `g-99-${(i * 7) % 23}`]);

/** Every neighbour list and the popularity set of a prefix, as plain data. */
async function snapshot(prefix: string): Promise<Record<string, Array<[string, number]>>> {
  const keys = redisKeys(prefix).neighbours;
  const out: Record<string, Array<[string, number]>> = {};
  for (const k of [keys.popularity, ...Array.from({ length: 23 }, (_, i) => keys.list(`g-99-${i}`))]) {
    const flat = await redis.zrange(k, 0, -1, 'WITHSCORES');
    const pairs: Array<[string, number]> = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, Number(Number(flat[i + 1]).toPrecision(12))]);
    out[k.slice(prefix.length)] = pairs.sort((a, b) => a[0].localeCompare(b[0]));
  }
  return out;
}

describe('neighbour job on real Redis', () => {
  const reference = testConfig();
  const restarted = testConfig();
  afterAll(async () => {
    await cleanupRedis(reference);
    await cleanupRedis(restarted);
  });

  it('survives a restart mid-stream and a re-delivered batch without losing or double-counting events', async () => {
    await appendLikes(reference.redis.namespace, LIKES);
    const once = new NeighbourJob(reference.redis.url, reference.redis.namespace, silentLogger, clock);
    expect(await once.drain()).toBe(LIKES.length);
    await once.close();
    const expected = await snapshot(reference.redis.namespace);
    expect(expected[':nb:g-99-0']!.length).toBeGreaterThan(0);

    // The same events in another prefix: the first job applies half of them and "crashes" (closes with
    // no further bookkeeping); the rest arrive meanwhile; a new job re-applies the first half's batch (as
    // a consumer group would re-deliver an unacknowledged batch), then drains from its mark.
    const prefix = restarted.redis.namespace;
    await appendLikes(prefix, LIKES.slice(0, 120));
    const first = new NeighbourJob(restarted.redis.url, prefix, silentLogger, clock);
    const firstHalf = await redis.xrange(redisKeys(prefix).interactions, '-', '+');
    expect(await first.apply(firstHalf)).toBe(120);
    await first.close();
    await appendLikes(prefix, LIKES.slice(120));
    const second = new NeighbourJob(restarted.redis.url, prefix, silentLogger, clock);
    expect(await second.apply(firstHalf)).toBe(0);
    expect(await second.drain()).toBe(120);
    await second.close();
    expect(await snapshot(prefix)).toEqual(expected);
  });
});

describe('neighbour job inside the indexer', () => {
  const config = testConfig({ INDEXER_FLUSH_MS: '5' });
  const es = esClient(config);
  let producer: ChangeProducer;
  let indexer: IndexerWorker;
  let job: NeighbourJob;
  beforeAll(async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    producer = new ChangeProducer(config);
    job = new NeighbourJob(config.redis.url, config.redis.namespace, silentLogger);
    indexer = await startIndexerWorker(config, es, silentLogger, { neighbours: job });
    job.start();
  });
  afterAll(async () => {
    await indexer.close();
    await job.close();
    await producer.close();
    await dropIndices(es, config.elasticsearch.alias);
    await cleanupRedis(config);
    await es.close();
  });

  it('takes a sold listing out of every neighbour list within the 2 s freshness budget, and never adds it back', async () => {
    await producer.publish([1, 2, 3].map((i) => upsert(i, 1)));
    await waitForQueueIdle(config);
    await appendLikes(config.redis.namespace, [
      ['a', 'g-99-1'],
      ['a', 'g-99-2'],
      ['a', 'g-99-3'],
      ['b', 'g-99-2'],
      ['b', 'g-99-3'],
    ]);
    const keys = redisKeys(config.redis.namespace).neighbours;
    const deadline = Date.now() + 5000;
    while ((await redis.zscore(keys.list('g-99-1'), 'g-99-3')) === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(await redis.zscore(keys.list('g-99-1'), 'g-99-3')).not.toBeNull();
    expect(await redis.zscore(keys.list('g-99-2'), 'g-99-3')).not.toBeNull();

    const soldAt = Date.now();
    await producer.publish([upsert(3, 2, { status: 'sold' })]);
    let gone = false;
    while (!gone && Date.now() - soldAt < 5000) {
      const [s1, s2, own] = await Promise.all([
        redis.zscore(keys.list('g-99-1'), 'g-99-3'),
        redis.zscore(keys.list('g-99-2'), 'g-99-3'),
        redis.exists(keys.list('g-99-3')),
      ]);
      gone = s1 === null && s2 === null && own === 0;
      if (!gone) await new Promise((r) => setTimeout(r, 20));
    }
    expect(gone).toBe(true);
    expect(Date.now() - soldAt).toBeLessThan(2000);

    // A late like of the sold listing does not bring it back; the other two still pair.
    await appendLikes(config.redis.namespace, [
      ['c', 'g-99-1'],
      ['c', 'g-99-3'],
      ['c', 'g-99-2'],
    ]);
    const last = (await redis.xrevrange(redisKeys(config.redis.namespace).interactions, '+', '-', 'COUNT', 1))[0]![0];
    while ((await redis.get(keys.highWater)) !== last) await new Promise((r) => setTimeout(r, 20));
    expect(await redis.zscore(keys.list('g-99-1'), 'g-99-3')).toBeNull();
    expect(await redis.exists(keys.list('g-99-3'))).toBe(0);
    expect(Number(await redis.zscore(keys.list('g-99-1'), 'g-99-2'))).toBeGreaterThan(0);
  });
});

afterAll(() => redis.disconnect());
