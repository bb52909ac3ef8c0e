import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListingDocument, type Listing } from '../../../core/src/index.js';
import { NeighbourJob } from '../../../indexer/src/neighbours/neighbour-job.js';
import { appWithCatalog, AS_APP, FIXED, type TestApp } from '../fixtures.js';
import { silentLogger } from '../../../indexer/test/support.js';

let t: TestApp;
let job: NeighbourJob;
beforeAll(async () => {
  t = await appWithCatalog(300);
  job = new NeighbourJob(t.config.redis.url, t.config.redis.namespace, silentLogger);
});
afterAll(async () => {
  await job.close();
  await t.close();
});

const now = () => new Date().toISOString();
const like = (user: string, ids: string[]) =>
  ids.map((listing_id) => ({ user_id: user, type: 'like', listing_id, ts: now() }));
const post = (events: unknown[]) =>
  t.app.inject({ method: 'POST', url: '/v1/events', payload: { events }, headers: AS_APP });
type Item = { id: string; reasons?: string[]; source?: string };

describe('co-engagement neighbours through the API', () => {
  it("shows two users who like the same items each other's other likes: liked_together in similar items, because_you_liked in the feed", async () => {
    // Shoes, a hoodie, a dress and a toy: nothing a text or category match would pair.
    expect(
      (await post([...like('ana', ['fx-1', 'fx-3', 'fx-4']), ...like('ben', ['fx-1', 'fx-3', 'fx-7'])])).statusCode,
    ).toBe(202);
    expect(await job.drain()).toBe(6);

    // A whole page of 30: the co-liked items compete with fx-1's many same-brand, same-category look-alikes.
    const similar = (await t.app.inject({ url: '/v1/listings/fx-1/similar?size=30' })).json().items as Item[];
    const together = similar.filter((i) => i.reasons!.includes('liked_together')).map((i) => i.id);
    expect(together).toEqual(expect.arrayContaining(['fx-3', 'fx-4', 'fx-7']));

    const feedOf = async (user: string) =>
      (await t.app.inject({ url: `/v1/feed?user_id=${user}&size=30`, headers: AS_APP })).json().items as Item[];
    const ana = await feedOf('ana');
    const ben = await feedOf('ben');
    expect(ana.find((i) => i.id === 'fx-7')?.source).toMatch(/^because_you_liked:fx-(1|3)$/);
    expect(ben.find((i) => i.id === 'fx-4')?.source).toMatch(/^because_you_liked:fx-(1|3)$/);
    // What they liked themselves is not offered again.
    expect(ana.map((i) => i.id)).not.toContain('fx-1');
  });

  it('gives a brand-new listing, with no behaviour yet, content-based similar items', async () => {
    const fresh: Listing = {
      ...FIXED[0]!,
      id: 'fx-new',
      title: 'Nike Air Zoom running sneakers',
      created_at: now(),
      updated_at: now(),
      like_count: 0,
      view_count: 0,
    };
    const doc = toListingDocument(fresh, 1, now());
    await t.es.index({ index: t.config.elasticsearch.alias, id: doc.id, document: doc, refresh: true });
    const res = await t.app.inject({ url: '/v1/listings/fx-new/similar?size=8' });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Item[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.some((i) => i.reasons!.includes('liked_together'))).toBe(false);
    // Content alone: every item reads alike, shares the leaf category or the brand; the Nike sneakers lead.
    for (const i of items)
      expect(i.reasons!.some((r) => ['similar_text', 'same_category', 'same_brand'].includes(r))).toBe(true);
    expect(items[0]!.id).toBe('fx-1');
  });
});
