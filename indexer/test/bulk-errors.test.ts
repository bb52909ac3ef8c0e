import { errors } from '@elastic/elasticsearch';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  backoffWithJitter,
  bulkRequestError,
  classifyItem,
  isIndexBlock,
  PermanentIndexingError,
  RetryableIndexingError,
} from '../src/bulk-errors.js';
import { responseError } from '../../test/support/elasticsearch-errors.js';

describe('bulk item classification', () => {
  it.each([
    [201, undefined, 'ok'],
    [200, undefined, 'ok'],
    [409, 'version_conflict_engine_exception', 'stale'],
    [429, 'es_rejected_execution_exception', 'retry'],
    [503, 'unavailable_shards_exception', 'retry'],
    [400, 'mapper_parsing_exception', 'dead-letter'],
    [400, 'document_parsing_exception', 'dead-letter'],
    [429, 'cluster_block_exception', 'retry'],
    [403, 'cluster_block_exception', 'retry'],
    [403, 'security_exception', 'dead-letter'],
    [404, 'index_not_found_exception', 'dead-letter'],
  ] as const)('status %s (%s) -> %s', (status, type, outcome) => {
    expect(classifyItem(status, type)).toBe(outcome);
  });

  it("retries a whole request that failed for the cluster's reasons (connection, timeout, 429, 5xx, auth)", () => {
    const transient = [new errors.ConnectionError('refused'), new errors.TimeoutError('slow'), responseError(429)];
    for (const err of [...transient, responseError(502), responseError(401)]) {
      expect(bulkRequestError(err)).toBeInstanceOf(RetryableIndexingError);
    }
  });

  it('gives up at once on a whole request the cluster refuses (400) or the client cannot send', () => {
    for (const err of [responseError(400, 'illegal_argument_exception'), new errors.SerializationError('cyclic', {})]) {
      const error = bulkRequestError(err);
      expect(error).toBeInstanceOf(PermanentIndexingError);
      expect(error).toBeInstanceOf(UnrecoverableError); // what tells BullMQ not to retry
      expect(error.message).toMatch(/rejected/);
    }
  });
});

describe('index blocks (disk flood stage)', () => {
  it('are waited out: the worker pauses instead of spending attempts or dead-lettering', () => {
    expect(isIndexBlock(429, 'cluster_block_exception')).toBe(true);
    expect(isIndexBlock(429, 'es_rejected_execution_exception')).toBe(false);
    expect(new RetryableIndexingError('blocked', undefined, { indexBlocked: true }).waitOut).toBe(true);
    expect(new RetryableIndexingError('busy').waitOut).toBe(false);
    expect(new RetryableIndexingError('down', new errors.ConnectionError('refused')).waitOut).toBe(true);
    expect(new RetryableIndexingError('slow', new errors.TimeoutError('slow')).waitOut).toBe(true);
    expect(new RetryableIndexingError('busy', responseError(429)).waitOut).toBe(false);
  });
});

describe('backoff with jitter', () => {
  it('stays within the exponential ceiling and the cap', () => {
    expect(backoffWithJitter(1, 200, 30_000, () => 0.999)).toBeLessThan(200);
    expect(backoffWithJitter(4, 200, 30_000, () => 0.999)).toBeLessThan(1600);
    expect(backoffWithJitter(4, 200, 30_000, () => 0.999)).toBeGreaterThan(1500);
    expect(backoffWithJitter(30, 200, 30_000, () => 0.999)).toBeLessThan(30_000);
    expect(backoffWithJitter(3, 200, 30_000, () => 0)).toBe(0);
  });

  it('spreads retries (full jitter)', () => {
    const values = new Set(Array.from({ length: 50 }, () => backoffWithJitter(5)));
    expect(values.size).toBeGreaterThan(25);
  });
});
