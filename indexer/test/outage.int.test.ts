import { afterAll, describe, expect, it } from 'vitest';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import { startIndexerWorker } from '../src/worker.js';
import { cleanupRedis, dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { getDoc, silentLogger, upsert, waitForQueueIdle } from './support.js';

const config = testConfig();
const es = esClient(config);
afterAll(async () => {
  await dropIndices(es, config.elasticsearch.alias);
  await cleanupRedis(config);
  await es.close();
});

describe('Elasticsearch going away', () => {
  it('pauses work without failing or losing jobs, and resumes when it is back', async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    const producer = new ChangeProducer(config);
    // A worker whose Elasticsearch does not answer (nothing listens on port 1).
    const nowhere = { ...config.elasticsearch, url: 'http://127.0.0.1:1' };
    const unreachable = createElasticsearchClient(nowhere, { requestTimeout: 500, maxRetries: 0 });
    const stranded = await startIndexerWorker(config, unreachable, silentLogger);
    await producer.publish([upsert(1, 1), upsert(2, 1), upsert(3, 1)]);
    await new Promise((r) => setTimeout(r, 3000));
    const counts = await producer.bullQueue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    expect(counts.failed).toBe(0);
    expect(counts.completed).toBe(0);
    const jobs = await producer.bullQueue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    expect(jobs.length).toBe(1);
    expect(jobs[0]!.attemptsMade).toBe(0); // the outage did not use up retries
    await stranded.close();
    await unreachable.close();

    const healthy = await startIndexerWorker(config, es, silentLogger);
    await waitForQueueIdle(config);
    for (const i of [1, 2, 3]) expect(await getDoc(es, config.elasticsearch.alias, `g-99-${i}`)).toBeDefined();
    await healthy.close();
    await producer.close();
  });
});
