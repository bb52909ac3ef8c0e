import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { classifyElasticsearchError, classifyStatus } from '../src/elasticsearch-errors.js';
import { diagnostic, responseError as response } from '../../test/support/elasticsearch-errors.js';

describe("classifyElasticsearchError: by the client's error classes", () => {
  it.each([
    ['TimeoutError', new errors.TimeoutError('timed out'), 'timeout', true],
    ['ConnectionError', new errors.ConnectionError('refused'), 'unreachable', true],
    ['NoLivingConnectionsError', new errors.NoLivingConnectionsError('all dead', diagnostic()), 'unreachable', true],
    ['RequestAbortedError', new errors.RequestAbortedError('aborted'), 'aborted', true],
    ['SerializationError', new errors.SerializationError('bad', {}), 'client', false],
    ['DeserializationError', new errors.DeserializationError('bad', '{'), 'client', false],
    ['ConfigurationError', new errors.ConfigurationError('bad'), 'client', false],
    ['ProductNotSupportedError', new errors.ProductNotSupportedError('Elasticsearch'), 'client', false],
    ['ResponseError 429', response(429, 'es_rejected_execution_exception'), 'overloaded', true],
    ['ResponseError 503', response(503, 'unavailable_shards_exception'), 'server', true],
    ['ResponseError 500 without a body', response(500), 'server', true],
    ['ResponseError 403 block', response(403, 'cluster_block_exception'), 'blocked', true],
    ['ResponseError 429 block', response(429, 'cluster_block_exception'), 'blocked', true],
    ['ResponseError 401', response(401, 'security_exception'), 'unauthorized', true],
    ['ResponseError 403', response(403, 'security_exception'), 'unauthorized', true],
    ['ResponseError 400', response(400, 'x_content_parse_exception'), 'rejected', false],
    ['ResponseError 404', response(404, 'index_not_found_exception'), 'rejected', false],
    ['a plain Error', new Error('boom'), 'unknown', true],
  ] as const)('%s -> %s (retryable: %s)', (_name, err, kind, retryable) => {
    const verdict = classifyElasticsearchError(err);
    expect(verdict.kind).toBe(kind);
    expect(verdict.retryable).toBe(retryable);
    expect(verdict.reason.length).toBeGreaterThan(0);
  });

  it('goes by class, not by name: a look-alike object is not a client error', () => {
    expect(classifyElasticsearchError({ name: 'ConnectionError' }).kind).toBe('unknown');
    expect(classifyElasticsearchError({ name: 'ResponseError', meta: { statusCode: 400 } }).kind).toBe('unknown');
  });

  it("carries the status and Elasticsearch's error type of a response", () => {
    expect(classifyElasticsearchError(response(400, 'mapper_parsing_exception'))).toMatchObject({
      status: 400,
      type: 'mapper_parsing_exception',
    });
  });
});

describe("classifyStatus: a response's or one bulk item's status", () => {
  it.each([
    [429, undefined, 'overloaded', true],
    [502, undefined, 'server', true],
    [409, 'version_conflict_engine_exception', 'rejected', false],
    [400, 'mapper_parsing_exception', 'rejected', false],
    [403, 'cluster_block_exception', 'blocked', true],
    [403, undefined, 'unauthorized', true],
  ] as const)('%s %s -> %s', (status, type, kind, retryable) => {
    expect(classifyStatus(status, type)).toMatchObject({ kind, retryable, status });
  });
});
