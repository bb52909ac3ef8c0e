import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListingDocument, type Listing } from '../../core/src/index.js';
import { appWithCatalog, FIXED, search, type TestApp } from './fixtures.js';

// A hot entry near expiry is checked against what was written since, not recomputed (result-cache.ts,
// MAX_AGE_TTLS). Nothing here goes through the indexer: every write below is one whose change
// notification was lost, which only the refresh at expiry can catch, and must still catch within a TTL.
const TTL_MS = 2000;
let t: TestApp;
beforeAll(async () => {
  t = await appWithCatalog(300, { CACHE_TTL_SECONDS: String(TTL_MS / 1000) });
  // The catalog was just written: a revalidation looks back about 2 s (the index refresh, clock skew).
  await new Promise((r) => setTimeout(r, 2500));
});
afterAll(async () => {
  await t.close();
});

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id);
const now = () => new Date().toISOString();

/** Writes listings straight into the index (searchable at once), as the indexer would, with no notification. */
async function writeUnannounced(listings: Listing[], version: number): Promise<void> {
  const docs = listings.map((l) => toListingDocument(l, version, now()));
  await t.es.bulk({
    refresh: true,
    operations: docs.flatMap((d) => [
      { index: { _index: t.config.elasticsearch.alias, _id: d.id, version, version_type: 'external' } },
      d,
    ]),
  });
}

/**
 * Reads `query` every 100 ms until `done` holds for its answer; how long after `since` that was, or Infinity
 * after 3 TTLs. An entry is due for its refresh with 10-40 % of its life left: a write is seen within a TTL
 * of the computation; an entry wrongly extended would hide it for another TTL at least.
 */
async function msUntil(
  query: Record<string, string | number>,
  since: number,
  done: (body: { items: Array<{ id: string }> }) => boolean,
) {
  while (Date.now() - since < 3 * TTL_MS) {
    if (done((await search(t.app, query)).body)) return Date.now() - since;
    await new Promise((r) => setTimeout(r, 100));
  }
  return Infinity;
}

const revalidations = async (outcome: string) =>
  (await t.app.metrics.cacheRevalidations.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe('revalidating hot cache entries', () => {
  it('keeps serving a hot window nothing was written to past its TTL, without recomputing it', async () => {
    const query = { q: 'adidas ultraboost', size: 5 };
    const unchangedBefore = await revalidations('unchanged');
    const windows = new Set<string>();
    const until = Date.now() + 2.5 * TTL_MS;
    while (Date.now() < until) {
      const res = await search(t.app, query);
      expect(res.status).toBe(200);
      windows.add(res.body.query_id as string);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(windows.size).toBe(1); // one computation (each has its own query id) served for 2.5 TTLs
    expect(await revalidations('unchanged')).toBeGreaterThan(unchangedBefore);
  });

  it('recomputes a window a listing was written into without a notification, within a TTL', async () => {
    const query = { q: 'glimmerwick candle', size: 20 };
    const computed = Date.now();
    expect(ids((await search(t.app, query)).body)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300)); // computed well before the write
    const changedBefore = await revalidations('changed');
    const candle: Listing = {
      ...FIXED[0]!,
      id: 'unannounced-candle',
      title: 'Glimmerwick candle holder, brass',
      category_path: ['Home', 'Decor', 'Candles'],
      brand: undefined,
      created_at: now(),
      updated_at: now(),
    };
    await writeUnannounced([candle], 2);
    expect(await msUntil(query, computed, (b) => ids(b).includes(candle.id))).toBeLessThan(1.5 * TTL_MS);
    expect(await revalidations('changed')).toBeGreaterThan(changedBefore);
  });

  it('recomputes pages showing a listing sold without a notification, within a TTL', async () => {
    const relevance = { q: 'nike air max', size: 20 };
    const newest = { category: 'Men > Shoes', sort: 'newest', size: 50 };
    const computed = Date.now();
    for (const q of [relevance, newest]) expect(ids((await search(t.app, q)).body)).toContain('fx-1');
    await new Promise((r) => setTimeout(r, 300));
    await writeUnannounced([{ ...FIXED[0]!, status: 'sold', updated_at: now() }], 3);
    for (const q of [relevance, newest])
      expect(await msUntil(q, computed, (b) => !ids(b).includes('fx-1'))).toBeLessThan(1.5 * TTL_MS);
  });
});
