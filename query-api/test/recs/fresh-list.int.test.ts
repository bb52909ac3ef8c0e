import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListingDocument, type Listing } from '../../../core/src/index.js';
import { ensureListingsIndex } from '../../../core/src/pipeline/index-admin.js';
import { FreshList, FRESH_POLL_MS } from '../../src/recommendations/fresh-list.js';
import { dropIndices, esClient, testConfig } from '../../../test/support/services.js';
import { FIXED, indexListings } from '../fixtures.js';

// The home feed's shared fresh list against a real Elasticsearch: newest on sale first, a change
// notification takes a listing off at once, and a listing sold but not yet searchable as sold never
// comes back (the list reads every listing through a realtime mget, not the search's stale copy).
const config = testConfig();
const es = esClient(config);
const alias = config.elasticsearch.alias;
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 0, minutes)).toISOString();
const listing = (id: string, minutes: number, patch: Partial<Listing> = {}): Listing => ({
  ...FIXED[0]!,
  id,
  created_at: at(minutes),
  updated_at: at(minutes),
  ...patch,
});
const errors: Error[] = [];
let list: FreshList;

beforeAll(async () => {
  await ensureListingsIndex(es, config.elasticsearch);
  // Searches see only what a test refreshes: a write without one stays invisible to them.
  await es.indices.putSettings({ index: alias, settings: { refresh_interval: '-1' } });
  await indexListings(es, alias, [
    listing('old', 1),
    listing('mid', 2),
    listing('sold', 3, { status: 'sold' }),
    listing('new', 4),
  ]);
  list = new FreshList(es, alias, (err) => errors.push(err));
});
afterAll(async () => {
  list.close();
  await dropIndices(es, alias);
  await es.close();
});

const ids = async () => (await list.current()).map((d) => d.id);
const until = async (check: () => Promise<boolean>) => {
  const since = Date.now();
  while (!(await check()) && Date.now() - since < 3000) await new Promise((r) => setTimeout(r, 50));
  return Date.now() - since;
};

describe('the shared fresh list', () => {
  it('holds the newest listings on sale, newest first', async () => {
    expect(await ids()).toEqual(['new', 'mid', 'old']);
  });

  it('takes a changed listing off at once and puts it back on the next read if still on sale', async () => {
    list.drop(['mid']);
    expect(await ids()).toEqual(['new', 'old']);
    expect(await until(async () => (await ids()).includes('mid'))).toBeLessThan(FRESH_POLL_MS * 4);
  });

  it('reads a new listing once searchable', async () => {
    await indexListings(es, alias, [listing('newest', 5)]);
    expect(await until(async () => (await ids())[0] === 'newest')).toBeLessThan(FRESH_POLL_MS * 4);
  });

  it('never puts back a listing sold whose sale searches do not show yet', async () => {
    // Written without a refresh: a search still finds it on sale, a realtime get sees it sold.
    await es.index({
      index: alias,
      id: 'new',
      document: toListingDocument(listing('new', 4, { status: 'sold' }), 2, at(9)),
      version: 2,
      version_type: 'external',
    });
    const stale = await es.search({ index: alias, query: { ids: { values: ['new'] } }, _source: ['status'] });
    expect((stale.hits.hits[0]?._source as { status: string }).status).toBe('on_sale');
    list.drop(['new']);
    await new Promise((r) => setTimeout(r, FRESH_POLL_MS * 3));
    expect(await ids()).not.toContain('new');
    // Still unsold to searches after those reads.
    const after = await es.search({ index: alias, query: { ids: { values: ['new'] } }, _source: ['status'] });
    expect((after.hits.hits[0]?._source as { status: string }).status).toBe('on_sale');
    expect(errors).toEqual([]);
  });
});
