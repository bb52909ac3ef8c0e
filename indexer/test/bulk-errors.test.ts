import { describe, expect, it } from 'vitest';
import { backoffWithJitter, classifyItem, isIndexBlock, isTransientClientError, RetryableIndexingError } from '../src/bulk-errors.js';

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
  ] as const)('status %s (%s) -> %s', (status, type, outcome) => {
    expect(classifyItem(status, type)).toBe(outcome);
  });

  it('treats connection errors, timeouts, 429 and 5xx from the client as transient', () => {
    expect(isTransientClientError({ name: 'ConnectionError' })).toBe(true);
    expect(isTransientClientError({ name: 'TimeoutError' })).toBe(true);
    expect(isTransientClientError({ name: 'ResponseError', meta: { statusCode: 429 } })).toBe(true);
    expect(isTransientClientError({ name: 'ResponseError', meta: { statusCode: 502 } })).toBe(true);
    expect(isTransientClientError({ name: 'ResponseError', meta: { statusCode: 400 } })).toBe(false);
  });
});

describe('index blocks (disk flood stage)', () => {
  it('are waited out: the worker pauses instead of spending attempts or dead-lettering', () => {
    expect(isIndexBlock(429, 'cluster_block_exception')).toBe(true);
    expect(isIndexBlock(429, 'es_rejected_execution_exception')).toBe(false);
    expect(new RetryableIndexingError('blocked', undefined, { indexBlocked: true }).waitOut).toBe(true);
    expect(new RetryableIndexingError('busy').waitOut).toBe(false);
    expect(new RetryableIndexingError('down', { name: 'ConnectionError' }).waitOut).toBe(true);
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
