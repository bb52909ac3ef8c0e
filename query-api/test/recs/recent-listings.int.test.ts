import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toListingDocument, type Listing } from '../../../core/src/index.js';
import { ensureListingsIndex } from '../../../core/src/pipeline/index-admin.js';
import { RecentListings } from '../../src/recommendations/recent-listings.js';
import { dropIndices, esClient, testConfig } from '../../../test/support/services.js';
import { FIXED, indexListings } from '../fixtures.js';

// Listings read lately by id, against a real Elasticsearch: a second read of a listing costs no request
// until a change notification drops it, a read in flight when the change came is not kept, and two
// requests for one listing at once share one read.
const config = testConfig();
const es = esClient(config);
const alias = config.elasticsearch.alias;
const listing = (id: string, patch: Partial<Listing> = {}): Listing => ({ ...FIXED[0]!, id, ...patch });
let counted: string[] = [];
let recent: RecentListings;

/** Writes a new version of a listing, as the indexer does (realtime gets see it before any refresh). */
async function rewrite(id: string, version: number, patch: Partial<Listing>) {
  await es.index({
    index: alias,
    id,
    document: toListingDocument(listing(id, patch), version, new Date().toISOString()),
    version,
    version_type: 'external',
  });
}

beforeAll(async () => {
  await ensureListingsIndex(es, config.elasticsearch);
  await indexListings(es, alias, [listing('a'), listing('b'), listing('c'), listing('d')]);
});
beforeEach(() => {
  counted = [];
  recent = new RecentListings(es, alias, { max: 100, ttlMs: 60_000 }, (result) => counted.push(result));
});
afterAll(async () => {
  await dropIndices(es, alias);
  await es.close();
});

describe('listings read lately', () => {
  it('reads a listing once, then answers it from memory; an unknown id is read each time', async () => {
    const [a, missing] = await recent.read(['a', 'nope']);
    expect(a?.id).toBe('a');
    expect(missing).toBeUndefined();
    const [again, stillMissing] = await recent.read(['a', 'nope']);
    expect(again).toEqual(a);
    expect(stillMissing).toBeUndefined();
    expect(counted).toEqual(['read', 'read', 'hit', 'read']);
  });

  it('reads a dropped listing again, as it is now', async () => {
    await recent.read(['b']);
    await rewrite('b', 50, { price: 1234 });
    recent.drop(['b']);
    const [b] = await recent.read(['b']);
    expect(b?.price).toBe(1234);
    expect(counted).toEqual(['read', 'read']);
  });

  it('does not keep a read that was in flight when the listing changed', async () => {
    const inFlight = recent.read(['c']);
    recent.drop(['c']);
    expect((await inFlight)[0]?.id).toBe('c');
    await recent.read(['c']);
    expect(counted).toEqual(['read', 'read']);
    // A later read is kept again.
    await recent.read(['c']);
    expect(counted).toEqual(['read', 'read', 'hit']);
  });

  it('lets a second request for a listing being read wait for that read', async () => {
    const [[first], [second]] = await Promise.all([recent.read(['d']), recent.read(['d'])]);
    expect(second).toEqual(first);
    expect(counted).toEqual(['read', 'joined']);
  });

  it('does not let a request join a read that a change made stale', async () => {
    const stale = recent.read(['d']);
    recent.drop(['d']);
    const fresh = recent.read(['d']);
    await Promise.all([stale, fresh]);
    expect(counted).toEqual(['read', 'read']);
  });

  it('forgets a listing after its age cap', async () => {
    const brief = new RecentListings(es, alias, { max: 100, ttlMs: 50 }, (result) => counted.push(result));
    await brief.read(['a']);
    await new Promise((r) => setTimeout(r, 80));
    await brief.read(['a']);
    expect(counted).toEqual(['read', 'read']);
  });

  it('keeps nothing with an age cap of 0 (the memory layer off)', async () => {
    const none = new RecentListings(es, alias, { max: 100, ttlMs: 0 }, (result) => counted.push(result));
    await none.read(['a']);
    await none.read(['a']);
    expect(counted).toEqual(['read', 'read']);
  });
});
