import type { Client } from '@elastic/elasticsearch';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../core/src/index.js';
import { ensureListingsIndex } from '../../../core/src/pipeline/index-admin.js';
import { startIndexerWorker, type IndexerWorker } from '../../../indexer/src/worker.js';
import { silentLogger, waitForQueueIdle } from '../../../indexer/test/support.js';
import { cleanupRedis, dropIndices, esClient, TEST_KEYS, testConfig } from '../../../test/support/services.js';
import { buildApp } from '../../src/app.js';
import { FUZZ_SEED, runs } from './inputs.js';
import { body, changeEvent, contentType } from './payloads.js';
import { contractBroken, Tally } from './responses.js';

/**
 * Issue 21's fuzz suite, ingestion: nothing accepted at the door (202 from POST /v1/listings/changes)
 * may be refused by the index. Every accepted event goes through the real path, the queue and the
 * indexer worker's bulk writes, into a real index: none may be dead-lettered or fail, and each listing
 * ends at the highest version accepted for it.
 */
let config: Config;
let es: Client;
let app: FastifyInstance;
let worker: IndexerWorker;
const tally = new Tally();
/** Highest accepted version per listing id. */
const accepted = new Map<string, number>();

beforeAll(async () => {
  config = testConfig({ ES_REQUEST_TIMEOUT_MS: '30000', INDEXER_FLUSH_MS: '20' });
  es = esClient(config);
  await ensureListingsIndex(es, config.elasticsearch);
  app = await buildApp(config, { logger: false });
  worker = await startIndexerWorker(config, es, silentLogger);
});
afterAll(async () => {
  process.stdout.write(`fuzz changes: ${tally}; ${accepted.size} listings accepted\n`);
  await worker?.close();
  await app?.close();
  await dropIndices(es, config.elasticsearch.alias);
  await cleanupRedis(config);
  await es.close();
});

const BATCH = 4;

describe('fuzz: POST /v1/listings/changes', () => {
  it('never 5xx; every 4xx is problem+json with a reason; everything accepted is indexed, nothing dead-lettered', async () => {
    const key = fc.oneof(
      { weight: 12, arbitrary: fc.constant<string | undefined>(TEST_KEYS.ingest) },
      fc.constantFrom<string | undefined>(TEST_KEYS.app, undefined, 'wrong-key'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(body(changeEvent, 1000), contentType, key), { minLength: BATCH, maxLength: BATCH }),
        async (batch) => {
          await Promise.all(
            batch.map(async ([payload, type, k]) => {
              const res = await app.inject({
                method: 'POST',
                url: '/v1/listings/changes',
                payload,
                headers: { 'content-type': type, ...(k ? { 'x-api-key': k } : {}) },
              });
              tally.add(res.statusCode);
              const broken = contractBroken(res);
              if (broken) throw new Error(`POST /v1/listings/changes ${payload.slice(0, 500)}: ${broken}`);
              if (res.statusCode !== 202) return;
              // What the server parsed: the same JSON.parse of the same text.
              for (const e of (JSON.parse(payload) as { events: Array<{ listing_id: string; version: number }> })
                .events) {
                accepted.set(e.listing_id, Math.max(accepted.get(e.listing_id) ?? 0, e.version));
              }
            }),
          );
        },
      ),
      { seed: FUZZ_SEED, numRuns: Math.ceil(runs(2000) / BATCH), endOnFailure: true },
    );
    expect(
      tally.count((s) => s === 202),
      `${tally}`,
    ).toBeGreaterThanOrEqual(300);
    expect(
      tally.count((s) => s === 400),
      `${tally}`,
    ).toBeGreaterThanOrEqual(100);

    await waitForQueueIdle(config, 120_000);
    const letters = await worker.deadLetters.list(5);
    expect(
      letters.map((l) => l.letter.reason),
      'dead letters of accepted events',
    ).toEqual([]);
    expect(await worker.deadLetters.size()).toBe(0);
    // A job that threw (say, a dead letter that could not be filed) ends in failed after its attempts.
    expect(await app.changeProducer.bullQueue.getJobCounts('failed')).toEqual({ failed: 0 });

    const ids = [...accepted.keys()];
    const wrong: Array<{ id: string; want: number; got: unknown }> = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const res = await es.mget<{ version: number }>({
        index: config.elasticsearch.alias,
        ids: chunk,
        _source: ['version'],
      });
      res.docs.forEach((d, j) => {
        const got = 'found' in d && d.found ? d._source?.version : undefined;
        if (got !== accepted.get(chunk[j]!)) wrong.push({ id: chunk[j]!, want: accepted.get(chunk[j]!)!, got });
      });
    }
    expect(
      wrong.slice(0, 5),
      `${wrong.length} of ${ids.length} accepted listings not at their accepted version`,
    ).toEqual([]);
  }, 240_000);
});
