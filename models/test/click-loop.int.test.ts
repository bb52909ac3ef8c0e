import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithCatalog, type TestApp } from '../../query-api/test/fixtures.js';
import { TEST_KEYS } from '../../test/support/services.js';
import { readLogs } from '../export/interactions.js';
import { joinInteractions } from '../export/join-interactions.js';
import { simulate, type ApiCall } from '../simulator/click-simulator.js';

let t: TestApp;
beforeAll(async () => {
  t = await appWithCatalog(3000);
});
afterAll(async () => t.close());

describe('the logging loop, end to end', () => {
  it('simulated users search and click through the real API; logs join into click training data', async () => {
    const api: ApiCall = async (method, path, body) => {
      const res = await t.app.inject({
        method,
        url: path,
        headers: { 'x-api-key': TEST_KEYS.app },
        ...(body ? { payload: body as object } : {}),
      });
      return { status: res.statusCode, json: res.json() };
    };
    const result = await simulate(api, { users: 8, sessionsPerUser: 4, seed: 3 });
    expect(result.searches).toBe(32);
    expect(result.events_rejected).toBe(0);
    expect(result.clicks).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200)); // feature logging is fire-and-forget
    const { log, events } = await readLogs(t.app.redis, t.config.redis.namespace);
    expect(log.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'click')).toHaveLength(result.clicks);
    const rows = joinInteractions(log, events);
    expect(rows.filter((r) => r.rating > 0).length).toBeGreaterThan(0);
    expect(rows.every((r) => r.features.length === t.app.ranking.featureNames.length)).toBe(true);
  });
});
