import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Listing } from '../../../core/src/index.js';
import { startIndexerWorker, type IndexerWorker } from '../../../indexer/src/worker.js';
import { silentLogger } from '../../../indexer/test/support.js';
import { generateListing } from '../../../indexer/src/sources/generator.js';
import { loadUserProfile } from '../../src/profiles/profile-store.js';
import { buildFeed } from '../../src/recommendations/feed.js';
import { appWithCatalog, AS_APP, publishListing, type TestApp } from '../fixtures.js';

// Issue 20 for the home feed: a listing published after a feed was built and cached reaches the person's
// first page within the freshness budget (2 s) where a fresh build would put it, for a returning person
// (learned ranker) and for the cold-start feed, and pages through the merged feed neither repeat nor skip.
const shipped = resolve(import.meta.dirname, '../../../models');
const catalog = Array.from({ length: 300 }, (_, i) => generateListing(i, 11));
const toys = catalog.filter((l) => l.category_path[1] === 'Toys' && l.status === 'on_sale');
const now = () => new Date().toISOString();

let t: TestApp;
let indexer: IndexerWorker;
beforeAll(async () => {
  t = await appWithCatalog(300, { FEED_RANKER: 'learned', MODEL_DIR: shipped, INDEXER_FLUSH_MS: '5' });
  indexer = await startIndexerWorker(t.config, t.es, silentLogger);
});
afterAll(async () => {
  await indexer.close();
  await t.close();
});

type FeedBody = {
  feed_id: string;
  ranker: string;
  items: Array<{ id: string; source: string }>;
  next_cursor: string | null;
};
async function feed(query: string): Promise<FeedBody> {
  const res = await t.app.inject({ url: `/v1/feed?${query}`, headers: AS_APP });
  expect(res.statusCode).toBe(200);
  return res.json() as FeedBody;
}
const ids = (body: FeedBody) => body.items.map((i) => i.id);

/** Every id of a feed, following its cursor to the end. */
async function allPages(first: FeedBody): Promise<string[]> {
  const out = ids(first);
  for (let cursor = first.next_cursor; cursor;) {
    const page = await feed(`cursor=${encodeURIComponent(cursor)}&size=50`);
    out.push(...ids(page));
    cursor = page.next_cursor;
  }
  return out;
}

let version = 5000;
/** Publishes a listing like `base`, new and liked by many (so a build ranks it high), and returns when. */
async function publishLike(id: string, base: Listing, patch: Partial<Listing> = {}): Promise<number> {
  const listing: Listing = {
    ...base,
    id,
    seller_id: `seller-${id}`,
    like_count: 500,
    view_count: 5000,
    status: 'on_sale',
    created_at: now(),
    updated_at: now(),
    ...patch,
  };
  expect(await publishListing(t.app, listing, ++version)).toBe(202);
  return Date.now();
}

/** Polls the feed's first page every 100 ms; how long after `since` `id` is on it (Infinity after 5 s). */
async function msUntilOnFirstPage(query: string, id: string, since: number, present = true): Promise<number> {
  while (Date.now() - since < 5000) {
    if (ids(await feed(query)).includes(id) === present) return Date.now() - since;
    await new Promise((r) => setTimeout(r, 100));
  }
  return Infinity;
}

const checks = async (outcome: 'merged' | 'unchanged') => {
  const text = await t.app.metrics.registry.metrics();
  return Number(new RegExp(`^api_feed_late_fresh_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
};
const merges = () => checks('merged');

async function like(user: string, listings: Listing[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: AS_APP,
    payload: { events: listings.map((l) => ({ user_id: user, type: 'like', listing_id: l.id, ts: now() })) },
  });
  expect(res.statusCode).toBe(202);
}

describe('new listings through a cached home feed', () => {
  it('reach a returning person in 2 s where a fresh build ranks them, and the pages stay whole', async () => {
    const user = 'fresh-feed-fan';
    await like(user, toys.slice(0, 5));
    const query = `user_id=${user}&size=20`;
    const before = await feed(query);
    expect(before.ranker).toMatch(/^onnx:feed-ltr@/);
    const beforeAll = await allPages(before);
    // Cached: the same first page again, no rebuild.
    expect((await feed(query)).feed_id).toBe(before.feed_id);

    const mergesBefore = await merges();
    const since = await publishLike('late-toy', toys[0]!);
    expect(await msUntilOnFirstPage(query, 'late-toy', since)).toBeLessThan(2000);
    expect(await merges()).toBeGreaterThan(mergesBefore);

    // A fresh build of the same profile puts it on the first page too: the merge did not promote it.
    const profile = await loadUserProfile(t.app.redis, t.config.redis.namespace, user);
    const rebuilt = await buildFeed(t.app, profile, 200);
    expect(rebuilt.entries.slice(0, 20).map((e) => e.doc.id)).toContain('late-toy');

    // Paging through the merged feed: everything the build had, once, plus the new listing.
    const after = await feed(query);
    const afterAll = await allPages(after);
    expect(new Set(afterAll).size).toBe(afterAll.length);
    expect(afterAll.sort()).toEqual([...beforeAll, 'late-toy'].sort());
  });

  it('come in through the personal text source a fresh build would find them by, not only as fresh', async () => {
    const user = 'late-searcher';
    await like(user, toys.slice(-3));
    const searched = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: AS_APP,
      payload: { events: [{ user_id: user, type: 'search', query: 'glimbo kite', ts: now() }] },
    });
    expect(searched.statusCode, searched.body).toBe(202);
    await vi.waitFor(async () => {
      const profile = await loadUserProfile(t.app.redis, t.config.redis.namespace, user);
      expect(profile?.recent_queries).toContain('glimbo kite');
      expect(profile?.liked_listing_ids).toHaveLength(3);
    });
    const query = `user_id=${user}&size=20`;
    expect(ids(await feed(query))).not.toContain('late-kite');
    // Served from the cache (earlier tests' listings may still reach it as late ones first).
    await vi.waitFor(
      async () => {
        const first = await feed(query);
        await new Promise((r) => setTimeout(r, 300));
        expect((await feed(query)).feed_id).toBe(first.feed_id);
      },
      { timeout: 5000 },
    );

    const mergesBefore = await merges();
    const since = await publishLike('late-kite', toys.at(-1)!, { title: 'Glimbo stunt kite, dual line' });
    expect(await msUntilOnFirstPage(query, 'late-kite', since)).toBeLessThan(2000);
    expect(await merges()).toBeGreaterThan(mergesBefore); // merged into the cached build, not rebuilt
    // First as fresh; within the same 2 s, by the person's search (checked off the request), as a fresh
    // build of the same profile finds it.
    const bySearch = async () => (await feed(query)).items.find((i) => i.id === 'late-kite')?.source;
    await vi.waitFor(async () => expect(await bySearch()).toBe('search:glimbo kite'), {
      timeout: Math.max(1, 2000 - (Date.now() - since)),
      interval: 100,
    });
    const profile = await loadUserProfile(t.app.redis, t.config.redis.namespace, user);
    const rebuilt = await buildFeed(t.app, profile, 200);
    expect(rebuilt.entries.find((e) => e.doc.id === 'late-kite')?.source).toBe('search:glimbo kite');
  });

  it('leave a cached feed as it was when none ranks among its first items', async () => {
    // The cold-start feed: popular listings first, and a new one nobody has seen scores by freshness alone.
    const query = 'size=20';
    // Cached once the last test's listing has settled (a build showing a listing changed in the last
    // moments is not cached): the same feed id twice.
    let before = await feed(query);
    for (let next = await feed(query); next.feed_id !== before.feed_id; next = await feed(query)) {
      before = next;
      await new Promise((r) => setTimeout(r, 200));
    }
    const unchanged = await checks('unchanged');
    // Nothing like what the person likes, and nobody has seen it.
    const other = catalog.find((l) => l.category_path[0] !== 'Kids' && l.status === 'on_sale')!;
    const since = await publishLike('late-misfit', other, { like_count: 0, view_count: 0 });
    // Checked when the feed is asked for, once the listing is on the fresh list.
    while ((await checks('unchanged')) === unchanged && Date.now() - since < 5000) {
      await feed(query);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await checks('unchanged')).toBeGreaterThan(unchanged);
    // The same first page (its build may have expired and been made again meanwhile: that also sees it).
    expect(ids(await feed(query))).toEqual(ids(before));
  });

  it('reach the cold-start feed in 2 s, and a late listing sold again leaves it in 2 s', async () => {
    const query = 'size=20';
    await feed(query);
    const since = await publishLike(
      'late-anon',
      catalog.find((l) => l.status === 'on_sale')!,
    );
    expect(await msUntilOnFirstPage(query, 'late-anon', since)).toBeLessThan(2000);
    const rebuilt = await buildFeed(t.app, undefined, 200);
    expect(rebuilt.entries.slice(0, 20).map((e) => e.doc.id)).toContain('late-anon');

    const sold = await publishLike(
      'late-anon',
      catalog.find((l) => l.status === 'on_sale')!,
      { status: 'sold' },
    );
    expect(await msUntilOnFirstPage(query, 'late-anon', sold, false)).toBeLessThan(2000);
  });

  it('leaves a listing published sold off every feed', async () => {
    const query = 'size=50';
    await feed(query);
    await publishLike('late-sold', toys[1]!, { status: 'sold' });
    // Give the indexer and the cache the whole budget, then check it never showed.
    await new Promise((r) => setTimeout(r, 2100));
    expect(ids(await feed(query))).not.toContain('late-sold');
  });
});
