import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import errorHandler from '../src/plugins/error-handler.js';
import { responseError } from '../../test/support/elasticsearch-errors.js';

const app = Fastify({ logger: false });
await app.register(errorHandler);
app.get('/es-rejects', async () => {
  throw responseError(400, 'search_phase_execution_exception', 'all shards failed');
});
app.get('/too-large', async () => {
  throw Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
});
// A client configured like the API's (plugins/redis.ts) whose Redis is gone: nothing listens on port 1.
const deadRedis = new Redis('redis://127.0.0.1:1', {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 500,
  retryStrategy: () => null,
});
deadRedis.on('error', () => undefined);
app.get('/redis-down', async () => deadRedis.get('k'));
afterAll(() => {
  deadRedis.disconnect();
  return app.close();
});

describe('error handler', () => {
  it("an Elasticsearch 400 is our query's fault: a 500 that tells the client nothing of the cluster", async () => {
    const res = await app.inject({ url: '/es-rejects' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'internal', detail: 'internal error' });
    expect(res.body).not.toMatch(/search_phase|shards/);
  });

  it("Fastify's own 4xx keep their status and say why", async () => {
    const res = await app.inject({ url: '/too-large' });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: 'fst_err_ctp_body_too_large',
      title: 'Payload Too Large',
      detail: 'Request body is too large',
    });
  });

  it('Redis down is an immediate 503 with Retry-After, not a wait for the reconnect or a 500', async () => {
    const started = performance.now();
    const res = await app.inject({ url: '/redis-down' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({ code: 'backend_unavailable', detail: 'redis: not reachable' });
  });
});
