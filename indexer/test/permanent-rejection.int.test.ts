import { afterAll, describe, expect, it } from 'vitest';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import { startIndexerWorker } from '../src/worker.js';
import { answeringConnection } from '../../test/support/answering-connection.js';
import { cleanupRedis, testConfig } from '../../test/support/services.js';
import { silentLogger, upsert } from './support.js';

const config = testConfig({ INDEXER_FLUSH_MS: '5' });
afterAll(() => cleanupRedis(config));

/** Polls until `check` holds (or fails the test after `timeoutMs`). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Real Redis and BullMQ; the cluster's answer comes from a Connection (test/support/answering-connection.ts),
// since a real Elasticsearch cannot be made to refuse a whole bulk request on demand.
describe('a bulk request the cluster refuses for good', () => {
  it('is attempted once: the job fails at once (not 20 times) and its events go to the dead-letter queue', async () => {
    const { Connection, seen } = answeringConnection(400, {
      error: { type: 'illegal_argument_exception', reason: 'Malformed action/metadata line' },
      status: 400,
    });
    const es = createElasticsearchClient(config.elasticsearch, { Connection, maxRetries: 0 });
    const producer = new ChangeProducer(config);
    const indexer = await startIndexerWorker(config, es, silentLogger);
    try {
      await producer.publish([upsert(1, 1), upsert(2, 1), upsert(3, 1)]);
      await eventually(async () => (await producer.bullQueue.getFailedCount()) === 1);
      // Long enough for a retry with the worker's backoff (at most 200 ms for the first) to show up.
      await new Promise((r) => setTimeout(r, 1000));
      const [job] = await producer.bullQueue.getFailed();
      expect(job!.opts.attempts).toBe(20);
      expect(job!.attemptsMade).toBe(1);
      expect(job!.failedReason).toMatch(/rejected/);
      expect(seen.filter((r) => r.path === '/_bulk')).toHaveLength(1);
      const counts = await producer.bullQueue.getJobCounts('waiting', 'delayed', 'active', 'failed');
      expect(counts).toMatchObject({ waiting: 0, delayed: 0, active: 0, failed: 1 });
      const letters = await indexer.deadLetters.list();
      expect(letters.map((l) => l.id).sort()).toEqual(['g-99-1@v1', 'g-99-2@v1', 'g-99-3@v1']);
      expect(letters[0]!.letter.reason).toMatch(/illegal_argument_exception/);
    } finally {
      await indexer.close();
      await producer.close();
      await es.close();
    }
  });

  it('while a failure of the cluster (503) is retried', async () => {
    const local = testConfig({ INDEXER_FLUSH_MS: '5' });
    const { Connection, seen } = answeringConnection(503, {
      error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' },
      status: 503,
    });
    const es = createElasticsearchClient(local.elasticsearch, { Connection, maxRetries: 0 });
    const producer = new ChangeProducer(local);
    const indexer = await startIndexerWorker(local, es, silentLogger);
    try {
      await producer.publish([upsert(4, 1)]);
      await eventually(async () => seen.filter((r) => r.path === '/_bulk').length >= 3);
      expect(await producer.bullQueue.getFailedCount()).toBe(0);
      expect(await indexer.deadLetters.size()).toBe(0);
    } finally {
      await indexer.close();
      await producer.close();
      await es.close();
      await cleanupRedis(local);
    }
  });
});
