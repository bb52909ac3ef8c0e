import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../core/src/index.js';
import { asBackendError, esCall } from '../src/search/es-errors.js';
import { responseError } from '../../test/support/elasticsearch-errors.js';

describe('Elasticsearch failures become retryable 503s, not 500s', () => {
  it('maps a timeout, a refused connection, 429 and 5xx to UnavailableError', () => {
    expect(asBackendError(new errors.TimeoutError('timed out'))).toBeInstanceOf(UnavailableError);
    expect(asBackendError(new errors.ConnectionError('refused'))).toBeInstanceOf(UnavailableError);
    expect(asBackendError(responseError(429))).toBeInstanceOf(UnavailableError);
    expect(asBackendError(responseError(503))).toBeInstanceOf(UnavailableError);
    const allDead = new errors.NoLivingConnectionsError('all dead', responseError(503).meta);
    expect(asBackendError(allDead)).toBeInstanceOf(UnavailableError);
    expect(asBackendError(responseError(403, 'cluster_block_exception'))).toBeInstanceOf(UnavailableError);
    expect((asBackendError(new errors.TimeoutError('x')) as UnavailableError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it("leaves other errors alone (a 400 from a query we built is our bug, not the cluster's)", () => {
    const bad = responseError(400);
    expect(asBackendError(bad)).toBe(bad);
    const aborted = new errors.RequestAbortedError('aborted');
    expect(asBackendError(aborted)).toBe(aborted);
    const unauthorized = responseError(401, 'security_exception');
    expect(asBackendError(unauthorized)).toBe(unauthorized);
  });

  it('esCall maps, times and rethrows', async () => {
    const seen: string[] = [];
    await expect(
      esCall(
        'search',
        async () => {
          throw new errors.TimeoutError('slow');
        },
        (op) => seen.push(op),
      ),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(seen).toEqual(['search']);
  });
});
