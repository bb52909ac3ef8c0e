import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import type { ListingChangeEvent } from '../../core/src/index.js';
import { aliasTargets, ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { startIndexerWorker, type IndexerWorker } from '../../indexer/src/worker.js';
import { silentLogger, waitForQueueIdle } from '../../indexer/test/support.js';
import { buildApp } from '../../query-api/src/app.js';
import { OwnCluster, ownServicesMissing } from '../support/own-services.js';
import { cleanupRedis, TEST_KEYS, testConfig } from '../support/services.js';
import { change, missingFromIndex, postChanges, search, type Answer } from './support.js';

// Our own 3-node cluster, one process per node (never the shared Elasticsearch); HTTP 9270-9272.
const skip = ownServicesMissing();
const cluster = new OwnCluster(Number(process.env.CHAOS_TEST_ES_PORT ?? 9270), 3, '384m');
const config = testConfig({ ES_URL: cluster.nodeUrls().join(','), ES_REPLICAS: '1', API_REQUEST_BUDGET_MS: '3000' });
// Like indexer/src/main.ts: no client retries, the job is retried (and a dead node's requests go to the others).
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 30_000, maxRetries: 0 });
// The test's own reads go to any live node.
const reader = createElasticsearchClient(config.elasticsearch, { requestTimeout: 30_000, maxRetries: 3 });
const key = TEST_KEYS.ingest;
let app: FastifyInstance;
let worker: IndexerWorker;

beforeAll(async () => {
  if (skip) return;
  await cluster.start();
  await ensureListingsIndex(es, config.elasticsearch);
  await cluster.waitForStatus('green', 60_000);
  app = await buildApp(config, { logger: false });
  worker = await startIndexerWorker(config, es, silentLogger);
}, 240_000);
afterAll(async () => {
  if (skip) return;
  await app?.close();
  await worker?.close();
  await cleanupRedis(config);
  await es.close();
  await reader.close();
  await cluster.stop();
}, 120_000);

describe.skipIf(skip)('one Elasticsearch node of three SIGKILLed under load', () => {
  it('keeps answering within the budget and loses no accepted change when the node with the primary dies', async () => {
    const accepted: ListingChangeEvent[] = [];
    let version = 2;
    const batch = () => {
      version += 2;
      return Array.from({ length: 10 }, (_, i) => change('ek', i, version));
    };
    for (let i = 0; i < 3; i++) expect(await postChanges(app, key, batch(), accepted)).toMatchObject({ status: 202 });
    await waitForQueueIdle(config, 30_000);

    const [index] = await aliasTargets(reader, config.elasticsearch.alias);
    const { primaries } = await cluster.shardNodes(index!);
    await cluster.killNode(primaries[0]!);

    const during: Answer[] = [];
    for (let i = 0; i < 5; i++) {
      during.push(await postChanges(app, key, batch(), accepted));
      during.push(await search(app, 'dress'));
    }
    for (const a of during) {
      expect(a.ms).toBeLessThan(4000); // the request budget (3 s) plus scheduling on a busy machine
      expect([200, 202, 503]).toContain(a.status);
      if (a.status === 503) expect(a.retryAfter).toBeDefined();
    }
    // The replica on a surviving node is promoted; the queued changes get there.
    await waitForQueueIdle(config, 90_000);
    expect(accepted.length).toBeGreaterThan(30);
    expect(await missingFromIndex(reader, config.elasticsearch.alias, accepted)).toEqual([]);
    const after = await search(app, 'dress');
    expect(after.status).toBe(200);
  }, 180_000);
});

if (skip) console.warn(`skipping the Elasticsearch node-kill test: ${skip}`);
