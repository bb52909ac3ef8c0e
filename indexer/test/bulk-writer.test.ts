import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import { PermanentIndexingError, RetryableIndexingError } from '../src/bulk-errors.js';
import { BulkWriter } from '../src/bulk-writer.js';
import { answeringConnection } from '../../test/support/answering-connection.js';
import { testConfig } from '../../test/support/services.js';
import { upsert } from './support.js';

/** A writer whose cluster answers every request with `status` and `body` (no Elasticsearch needed). */
function writerAnswering(status: number, body: unknown) {
  const { Connection, seen } = answeringConnection(status, body);
  const config = testConfig();
  const es = createElasticsearchClient(config.elasticsearch, { Connection, maxRetries: 0 });
  const writer = new BulkWriter(es, {
    alias: config.elasticsearch.alias,
    batchSize: 100,
    batchBytes: 1_000_000,
    flushMs: 1,
  });
  return { writer, seen, es };
}

describe('BulkWriter when the whole bulk request fails', () => {
  it('gives up on a refused request (400): UnrecoverableError, one request', async () => {
    const { writer, seen, es } = writerAnswering(400, {
      error: { type: 'illegal_argument_exception', reason: 'Malformed action/metadata line' },
      status: 400,
    });
    const failure = await writer.write([upsert(1, 1), upsert(2, 1)]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(PermanentIndexingError);
    expect(failure).toBeInstanceOf(UnrecoverableError);
    expect((failure as PermanentIndexingError).failure).toMatchObject({
      kind: 'rejected',
      status: 400,
      type: 'illegal_argument_exception',
    });
    expect(seen).toEqual([{ method: 'POST', path: '/_bulk' }]);
    await es.close();
  });

  it("leaves a failure of the cluster (503) to the job's retries", async () => {
    const { writer, seen, es } = writerAnswering(503, {
      error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' },
      status: 503,
    });
    const failure = await writer.write([upsert(1, 1)]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RetryableIndexingError);
    expect(failure).not.toBeInstanceOf(UnrecoverableError);
    expect((failure as RetryableIndexingError).waitOut).toBe(false);
    expect(seen).toHaveLength(1);
    await es.close();
  });
});
