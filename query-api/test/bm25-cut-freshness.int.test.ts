import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexerWorker, type IndexerWorker } from '../../indexer/src/worker.js';
import { silentLogger } from '../../indexer/test/support.js';
import { redisKeys, type Listing } from '../../core/src/index.js';
import type { EntryScope } from '../src/cache/entry-scope.js';
import { appWithCatalog, AS_OPERATOR, FIXED, indexListings, publishListing, search, type TestApp } from './fixtures.js';

// Issue 20: a word match enters a relevance window whose BM25 list was cut only if Elasticsearch scores
// it at the cut or above (EntryScope.bm25Cut); below it the cached entry stays, which is what a fresh
// computation would show too.
const CANDIDATES = 10;
let t: TestApp;
let indexer: IndexerWorker;
const now = () => new Date().toISOString();
const listing = (id: string, patch: Partial<Listing>): Listing => ({
  ...FIXED[0]!,
  id,
  brand: undefined,
  created_at: now(),
  updated_at: now(),
  ...patch,
});
const QUERY = { q: 'quuxtron', size: CANDIDATES };

beforeAll(async () => {
  t = await appWithCatalog(50, {
    CACHE_TTL_SECONDS: '30',
    INDEXER_FLUSH_MS: '5',
    RERANK_CANDIDATES: String(CANDIDATES),
  });
  indexer = await startIndexerWorker(t.config, t.es, silentLogger);
  // More listings say the word in their title than BM25 keeps: the window's list is cut.
  const lamps = Array.from({ length: 2 * CANDIDATES }, (_, i) =>
    listing(`lamp-${i}`, { title: `Quuxtron lamp model ${i}`, category_path: ['Home', 'Lighting', 'Desk Lamps'] }),
  );
  await indexListings(t.es, t.config.elasticsearch.alias, lamps);
});
afterAll(async () => {
  await indexer.close();
  await t.close();
});

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id);
let version = 1000;

async function bm25Checks(outcome: string): Promise<number> {
  const text = await t.app.metrics.registry.getSingleMetricAsString('api_cache_scope_bm25_checks_total');
  return Number(new RegExp(`outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50)))
    if (await check()) return true;
  return false;
}

describe('BM25 cut of a cached relevance window', () => {
  it('keeps the entry for a word match scored under the cut, and shows one above it within 2 s', async () => {
    await search(t.app, QUERY);
    expect((await search(t.app, QUERY)).headers['x-cache']).toBe('memory');
    const [entryKey] = await t.app.redis.keys(`${redisKeys(t.config.redis.namespace).cacheEntry('')}*search:*`);
    const stored = JSON.parse((await t.app.redis.get(entryKey!))!) as { scope: EntryScope[] };
    expect(typeof stored.scope[0]!.bm25Cut).toBe('number');

    // The word only in a long description: it matches, far under the titles.
    const below = listing('kettle-below', {
      title: 'Vintage enamel kettle, two litres, cream',
      description: 'Sits nicely next to a quuxtron lamp on a kitchen shelf; small chip on the lid, works fine.',
      category_path: ['Home', 'Kitchen', 'Cookware'],
    });
    const before = await bm25Checks('below_cut');
    expect(await publishListing(t.app, below, ++version)).toBe(202);
    expect(await until(async () => (await bm25Checks('below_cut')) > before), 'scored under the cut').toBe(true);
    const after = await search(t.app, QUERY);
    expect(after.headers['x-cache']).toBe('memory');
    expect(ids(after.body)).not.toContain(below.id);
    // What a computation now would show (explain bypasses the cache) has no place for it either.
    const fresh = await t.app.inject({ url: `/v1/search/explain?q=${QUERY.q}&size=100`, headers: AS_OPERATOR });
    expect(fresh.json().explain.map((r: { id: string }) => r.id)).not.toContain(below.id);

    // The word as the whole title: above every lamp.
    const above = listing('quuxtron-above', { title: 'Quuxtron', category_path: ['Home', 'Lighting', 'Desk Lamps'] });
    const entered = await bm25Checks('entered');
    const since = Date.now();
    expect(await publishListing(t.app, above, ++version)).toBe(202);
    let lag = Infinity;
    if (await until(async () => ids((await search(t.app, QUERY)).body).includes(above.id), 5000))
      lag = Date.now() - since;
    expect(lag, 'ms from the change event until the cached API showed it').toBeLessThan(2000);
    expect(await bm25Checks('entered')).toBeGreaterThan(entered);
  });
});
