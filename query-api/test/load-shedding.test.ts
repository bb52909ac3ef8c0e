import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/src/index.js';
import errorHandler from '../src/plugins/error-handler.js';
import loadShedding from '../src/plugins/load-shedding.js';
import metrics from '../src/plugins/metrics.js';

const app = Fastify({ logger: false });
app.decorate('config', loadConfig({ API_REQUEST_BUDGET_MS: '200' }));
await app.register(errorHandler);
await app.register(metrics);
await app.register(loadShedding);
// A route that makes several slow calls in a row, each within its own timeout, together far over budget.
app.get('/slow', async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 150));
  return { done: true };
});
app.get('/fast', async () => ({ done: true }));
afterAll(() => app.close());

describe('request budget', () => {
  it('answers 503 with Retry-After once the budget is spent, whatever the route still waits for', async () => {
    const res = await app.inject({ url: '/slow' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({
      code: 'backend_unavailable',
      detail: 'api: no answer within the 200 ms budget',
    });
    // The late result is dropped, not sent twice.
    await new Promise((r) => setTimeout(r, 300));
  });

  it('leaves requests within the budget alone', async () => {
    const res = await app.inject({ url: '/fast' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ done: true });
  });
});
