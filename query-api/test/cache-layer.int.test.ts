import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { TEST_KEYS } from '../../test/support/services.js';
import { appWithCatalog, search, type TestApp } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await appWithCatalog(100);
});
afterAll(async () => t.close());

describe('x-cache says which layer served a search', () => {
  it('miss, then memory; another process on the same Redis gets it from redis; explain and later pages bypass', async () => {
    const q = { q: 'nike', size: 1 };
    expect((await search(t.app, q)).headers['x-cache']).toBe('miss');
    const again = await search(t.app, q);
    expect(again.headers['x-cache']).toBe('memory');
    // A second API process (its own memory layer) sharing the Redis layer.
    const other = await buildApp(t.config, { logger: false });
    try {
      expect((await search(other, q)).headers['x-cache']).toBe('redis');
      expect((await search(other, q)).headers['x-cache']).toBe('memory');
    } finally {
      await other.close();
    }
    expect(again.body.next_cursor).toEqual(expect.any(String));
    const next = await search(t.app, { ...q, cursor: again.body.next_cursor });
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(next.headers['x-cache']).toBe('window');
    const explain = await t.app.inject({
      url: '/v1/search/explain?q=nike&size=1',
      headers: { 'x-api-key': TEST_KEYS.operator },
    });
    expect(explain.headers['x-cache']).toBe('bypass');
    // Sorted pages use the same cache.
    expect((await search(t.app, { q: 'nike', sort: 'newest' })).headers['x-cache']).toBe('miss');
    expect((await search(t.app, { q: 'nike', sort: 'newest' })).headers['x-cache']).toBe('memory');
  });
});
