import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toListingDocument, type Listing } from '../../../core/src/index.js';
import { notifyListingsChanged } from '../../../core/src/pipeline/change-notifications.js';
import { generateListing } from '../../../indexer/src/sources/generator.js';
import { PopularListsKeeper } from '../../src/recommendations/popular-keeper.js';
import { popularIn } from '../../src/recommendations/popular-in.js';
import { appWithCatalog, AS_APP, FIXED, type TestApp } from '../fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await appWithCatalog(1500);
  // A relist: same seller, same title as fx-5 under another id (a near-duplicate).
  const relist = toListingDocument({ ...FIXED[4]!, id: 'fx-5-relist' }, 1, FIXED[4]!.updated_at);
  await t.es.index({ index: t.config.elasticsearch.alias, id: relist.id, document: relist, refresh: true });
});
afterAll(async () => t.close());

const now = () => new Date().toISOString();
const post = (events: unknown[]) =>
  t.app.inject({ method: 'POST', url: '/v1/events', headers: AS_APP, payload: { events } });

async function sell(listing: Listing, version: number) {
  const doc = toListingDocument({ ...listing, status: 'sold' }, version, now());
  await t.es.index({
    index: t.config.elasticsearch.alias,
    id: doc.id,
    document: doc,
    version,
    version_type: 'external',
    refresh: true,
  });
  await notifyListingsChanged(t.app.redis, t.config.redis.namespace, [doc.id]);
  await new Promise((r) => setTimeout(r, 100));
}

describe('events', () => {
  it('rejects bad events with a 400 naming events[i].field, and records good ones', async () => {
    const bad = await post([
      { user_id: 'u', type: 'view', listing_id: 'fx-1', ts: now() },
      { user_id: 'u', type: 'hover', ts: now() },
    ]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().invalid_params.map((p: { name: string }) => p.name)).toContain('events[1].type');
    const noListing = await post([{ user_id: 'u', type: 'like', ts: now() }]);
    expect(noListing.statusCode).toBe(400);
    expect(noListing.json().detail).toMatch(/listing_id is required/);
    const ok = await post([
      { user_id: 'u', type: 'view', listing_id: 'fx-1', ts: now() },
      { user_id: 'u', type: 'click', listing_id: 'nope', ts: now() },
    ]);
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toEqual({ accepted: 2, unknown_listings: ['nope'] });
    expect(await t.app.redis.xlen(`${t.config.redis.namespace}:interactions`)).toBeGreaterThanOrEqual(2);
  });
});

describe('home feed', () => {
  it('gives an unknown user a non-empty cold-start feed', async () => {
    const res = await t.app.inject({ url: '/v1/feed?user_id=stranger&size=20', headers: AS_APP });
    expect(res.statusCode).toBe(200);
    expect(res.json().personalized).toBe(false);
    expect(res.json().items.length).toBe(20);
    expect(res.json().items.every((i: { status: string }) => i.status === 'on_sale')).toBe(true);
  });

  it('leads with the category a user views and likes', async () => {
    const toys = Array.from({ length: 1500 }, (_, i) => generateListing(i, 11))
      .filter((l) => l.category_path[1] === 'Toys' && l.status === 'on_sale')
      .slice(0, 8);
    expect(toys.length).toBeGreaterThan(3);
    const events = toys.flatMap((l) => [
      { user_id: 'toy-fan', type: 'view', listing_id: l.id, ts: now() },
      { user_id: 'toy-fan', type: 'like', listing_id: l.id, ts: now() },
    ]);
    expect((await post(events)).statusCode).toBe(202);
    const res = await t.app.inject({ url: '/v1/feed?user_id=toy-fan&size=10', headers: AS_APP });
    expect(res.json().personalized).toBe(true);
    const categories = res.json().items.map((i: { category_path: string[] }) => i.category_path[1]);
    expect(categories[0]).toBe('Toys');
    expect(categories.filter((c: string) => c === 'Toys').length).toBeGreaterThanOrEqual(3);
  });

  it('diversifies and pages without duplicates, never serving a listing sold meanwhile', async () => {
    const first = await t.app.inject({ url: '/v1/feed?user_id=toy-fan&size=10', headers: AS_APP });
    const seen = first.json().items.map((i: { id: string }) => i.id);
    const sellers = first.json().items.map((i: { seller_id: string }) => i.seller_id);
    expect(
      Math.max(...[...new Set(sellers)].map((s) => sellers.filter((x: string) => x === s).length)),
    ).toBeLessThanOrEqual(2);
    // Sell an item of the next page before it is fetched.
    let cursor = first.json().next_cursor;
    const peek = JSON.parse((await t.app.redis.get(`${t.config.redis.namespace}:feed:${first.json().feed_id}`))!)
      .order[10].id as string;
    const victim =
      Array.from({ length: 1500 }, (_, i) => generateListing(i, 11)).find((l) => l.id === peek) ??
      FIXED.find((l) => l.id === peek)!;
    await sell(victim, 5);
    for (let page = 0; page < 5 && cursor; page++) {
      const res = await t.app.inject({ url: `/v1/feed?size=10&cursor=${cursor}`, headers: AS_APP });
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((i: { id: string }) => i.id));
      cursor = res.json().next_cursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(peek);
    const bad = await t.app.inject({ url: '/v1/feed?cursor=bogus' });
    expect(bad.statusCode).toBe(400);
  });

  it('pages by signed cursor: page 2 continues page 1 exactly, no duplicates', async () => {
    const feed = (query: string) => t.app.inject({ url: `/v1/feed?${query}`, headers: AS_APP });
    const first = (await feed('user_id=pager&size=10')).json();
    expect(first.next_cursor).toMatch(/^[\w-]+\.[\w-]+$/);
    const second = await feed(`size=10&cursor=${first.next_cursor}`);
    expect(second.statusCode).toBe(200);
    expect(second.json().feed_id).toBe(first.feed_id);
    // The same build (cached per user and profile version) asked for 20 at once: what the two pages must add up to.
    const whole = (await feed('user_id=pager&size=20')).json();
    expect(whole.feed_id).toBe(first.feed_id);
    const paged = [...first.items, ...second.json().items].map((i: { id: string }) => i.id);
    expect(paged).toEqual(whole.items.map((i: { id: string }) => i.id));
    expect(new Set(paged).size).toBe(20);
  });

  it('drops a listing sold after the first page was cached from that first page', async () => {
    const first = await t.app.inject({ url: '/v1/feed?user_id=toy-fan&size=10', headers: AS_APP });
    const top = first.json().items[0].id as string;
    const listing =
      Array.from({ length: 1500 }, (_, i) => generateListing(i, 11)).find((l) => l.id === top) ??
      FIXED.find((l) => l.id === top)!;
    await sell(listing, 9);
    const again = await t.app.inject({ url: '/v1/feed?user_id=toy-fan&size=10', headers: AS_APP });
    expect(again.statusCode).toBe(200);
    expect(again.json().items.length).toBe(10);
    expect(again.json().items.map((i: { id: string }) => i.id)).not.toContain(top);
  });
});

describe('similar items', () => {
  it('share the category or the text, never the listing itself or its relist, each with a reason', async () => {
    const res = await t.app.inject({ url: '/v1/listings/fx-5/similar?size=10' });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ id: string; title: string; category_path: string[]; reasons: string[] }>;
    expect(items.length).toBeGreaterThan(0);
    expect(items.map((i) => i.id)).not.toContain('fx-5');
    expect(items.map((i) => i.id)).not.toContain('fx-5-relist');
    for (const i of items) {
      expect(i.reasons.length).toBeGreaterThan(0);
      const sameCategory = i.category_path[2] === 'Building Toys' || i.category_path[0] === 'Kids';
      const sharesText = /lego|star|wars|falcon|set|building|toy/i.test(i.title);
      expect(sameCategory || sharesText).toBe(true);
    }
  });

  it('drops a listing from similar lists once it is sold', async () => {
    const before = await t.app.inject({ url: '/v1/listings/fx-1/similar?size=10' });
    const target = before.json().items[0].id as string;
    const listing =
      FIXED.find((l) => l.id === target) ??
      Array.from({ length: 1500 }, (_, i) => generateListing(i, 11)).find((l) => l.id === target)!;
    await sell(listing, 7);
    const after = await t.app.inject({ url: '/v1/listings/fx-1/similar?size=10' });
    expect(after.json().items.map((i: { id: string }) => i.id)).not.toContain(target);
  });
});

describe("the feed's similar source", () => {
  /** The bodies of the searches Elasticsearch gets while `run` runs. */
  async function searchesDuring(run: () => Promise<unknown>): Promise<string[]> {
    const msearch = vi.spyOn(t.app.es, 'msearch');
    const search = vi.spyOn(t.app.es, 'search');
    try {
      await run();
      return [...msearch.mock.calls, ...search.mock.calls].map((c) => JSON.stringify(c[0]));
    } finally {
      msearch.mockRestore();
      search.mockRestore();
    }
  }

  it('is what the page of the listing a person viewed last shows, read without a search once shown', async () => {
    const user = 'page-browser';
    const page = async (id: string): Promise<string[]> =>
      (await t.app.inject({ url: `/v1/listings/${id}/similar` })).json().items.map((i: { id: string }) => i.id);
    const shown = new Set(await page('fx-1'));
    expect(shown.size).toBeGreaterThan(0);
    // Until the page is served from the cache: a list showing a listing changed in the last seconds (an
    // earlier test sold one) is not stored until the change is searchable.
    await vi.waitFor(async () => expect(await searchesDuring(() => page('fx-1'))).toEqual([]), {
      timeout: 5000,
      interval: 200,
    });
    const views = ['fx-5', 'fx-1'].map((listing_id) => ({ user_id: user, type: 'view', listing_id, ts: now() }));
    expect((await post(views)).statusCode).toBe(202);

    let items: Array<{ id: string; source: string }> = [];
    const asked = await searchesDuring(async () => {
      const feed = await t.app.inject({ url: `/v1/feed?user_id=${user}&size=50`, headers: AS_APP });
      expect(feed.statusCode).toBe(200);
      items = feed.json().items;
    });
    const fromPage = items.filter((i) => i.source === 'similar');
    expect(fromPage.length).toBeGreaterThan(0);
    for (const i of fromPage) expect(shown.has(i.id)).toBe(true);
    // The build scored no listing's likeness to another: it read the page's list.
    expect(asked.filter((b) => b.includes('more_like_this'))).toEqual([]);
  });

  it('merges the page a person views after their feed was built, without a new build, paging without repeats', async () => {
    const user = 'page-merger';
    type Feed = { feed_id: string; items: Array<{ id: string; source: string }>; next_cursor: string | null };
    const feed = async (query: string): Promise<Feed> => {
      const res = await t.app.inject({ url: `/v1/feed?${query}`, headers: AS_APP });
      expect(res.statusCode).toBe(200);
      return res.json() as Feed;
    };
    /** A feed's every item, following its cursor to the end. */
    const allItems = async (first: Feed) => {
      const out = [...first.items];
      for (let cursor = first.next_cursor; cursor;) {
        const page = await feed(`cursor=${encodeURIComponent(cursor)}&size=50`);
        out.push(...page.items);
        cursor = page.next_cursor;
      }
      return out;
    };
    const builds = async () =>
      [...(await t.app.metrics.registry.metrics()).matchAll(/^api_feed_builds_total\{[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    expect((await post([{ user_id: user, type: 'like', listing_id: 'fx-4', ts: now() }])).statusCode).toBe(202);
    const built = await feed(`user_id=${user}&size=50`);
    const before = new Set((await allItems(built)).map((i) => i.id));
    // The page of a listing of another category, served from the cache (as in the test above).
    const page = async () =>
      (await t.app.inject({ url: '/v1/listings/fx-7/similar' })).json().items.map((i: { id: string }) => i.id);
    await vi.waitFor(async () => expect(await searchesDuring(page)).toEqual([]), { timeout: 5000, interval: 200 });
    const shown: string[] = await page();
    const added = shown.filter((id) => !before.has(id));
    expect(added.length).toBeGreaterThan(0);
    const buildsBefore = await builds();

    const merges = async () =>
      Number(
        /^api_feed_page_merges_total\{outcome="merged"\} (\d+)/m.exec(await t.app.metrics.registry.metrics())?.[1] ?? 0,
      );
    const mergesBefore = await merges();

    expect((await post([{ user_id: user, type: 'view', listing_id: 'fx-7', ts: now() }])).statusCode).toBe(202);
    // Two requests at once after the view: one merge, one new order.
    const [merged, twin] = await Promise.all([feed(`user_id=${user}&size=50`), feed(`user_id=${user}&size=50`)]);
    expect(twin.feed_id).toBe(merged.feed_id);
    expect(await merges()).toBe(mergesBefore + 1);
    expect(await builds()).toBe(buildsBefore);
    expect(merged.feed_id).not.toBe(built.feed_id);
    const after = await allItems(merged);
    const ids = after.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set([...before, ...added]));
    for (const i of after.filter((x) => added.includes(x.id))) expect(i.source).toBe('similar');
    // The same view again: the same merge, no new order.
    expect((await feed(`user_id=${user}&size=50`)).feed_id).toBe(merged.feed_id);

    // A merged listing sold since leaves the feed at its next request.
    const soldId = added[0]!;
    await sell(
      Array.from({ length: 1500 }, (_, i) => generateListing(i, 11)).find((l) => l.id === soldId)!,
      9,
    );
    const afterSale = (await allItems(await feed(`user_id=${user}&size=50`))).map((i) => i.id);
    expect(afterSale).not.toContain(soldId);
    expect(afterSale).toEqual(expect.arrayContaining(added.slice(1)));
  });

  it('with FEED_VIEWS=rebuild, gives a fresh build after a view instead of a merge', async () => {
    const r = await appWithCatalog(100, { FEED_VIEWS: 'rebuild' });
    try {
      const user = 'page-rebuilder';
      const counter = async (name: string) =>
        [...(await r.app.metrics.registry.metrics()).matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
      const event = async (type: string, listing_id: string) =>
        expect(
          (
            await r.app.inject({
              method: 'POST',
              url: '/v1/events',
              headers: AS_APP,
              payload: { events: [{ user_id: user, type, listing_id, ts: now() }] },
            })
          ).statusCode,
        ).toBe(202);
      const feed = async () =>
        (await r.app.inject({ url: `/v1/feed?user_id=${user}&size=20`, headers: AS_APP })).json();
      await event('like', 'fx-4');
      const built = await feed();
      // The page's list cached, as a merge would read it.
      expect((await r.app.inject({ url: '/v1/listings/fx-7/similar' })).json().items.length).toBeGreaterThan(0);
      const builds = await counter('api_feed_builds_total');
      await event('view', 'fx-7');
      const after = await feed();
      expect(await counter('api_feed_builds_total')).toBe(builds + 1);
      expect(await counter('api_feed_page_merges_total')).toBe(0);
      expect(after.feed_id).not.toBe(built.feed_id);
    } finally {
      await r.close();
    }
  });

  it('without a page shown lately, finds listings that read like the last one viewed, and skips a deleted one', async () => {
    const user = 'page-skipper';
    const view = async (listing_id: string) =>
      expect((await post([{ user_id: user, type: 'view', listing_id, ts: now() }])).statusCode).toBe(202);
    let items: Array<{ id: string; source: string }> = [];
    const feed = () =>
      searchesDuring(async () => {
        const res = await t.app.inject({ url: `/v1/feed?user_id=${user}&size=50`, headers: AS_APP });
        expect(res.statusCode).toBe(200);
        items = res.json().items;
      });
    await view('fx-5');
    const asked = await feed();
    expect(asked.filter((b) => b.includes('more_like_this') && b.includes('"_id":"fx-5"'))).toHaveLength(1);
    expect(items.filter((i) => i.source === 'similar').length).toBeGreaterThan(0);
    // The build computed no listing page's list: the page still computes its own.
    expect(await searchesDuring(() => t.app.inject({ url: '/v1/listings/fx-5/similar' }))).not.toEqual([]);

    // Opened from a search result (a click: a view would keep the cached build, page-merges.ts).
    const gone = generateListing(1499, 11);
    expect((await post([{ user_id: user, type: 'click', listing_id: gone.id, ts: now() }])).statusCode).toBe(202);
    await t.es.delete({ index: t.config.elasticsearch.alias, id: gone.id, refresh: true });
    await notifyListingsChanged(t.app.redis, t.config.redis.namespace, [gone.id]);
    await feed();
    expect(items.filter((i) => i.source === 'similar')).toEqual([]);
  });
});

describe('popular lists', () => {
  /** Popularity-sorted searches (the shared popular lists) Elasticsearch gets while `run` runs. */
  async function popularSearches(run: () => Promise<unknown>): Promise<string[]> {
    const search = vi.spyOn(t.app.es, 'search');
    try {
      await run();
      return search.mock.calls.map((c) => JSON.stringify(c[0])).filter((body) => body.includes('"popularity":"desc"'));
    } finally {
      search.mockRestore();
    }
  }

  it('are one list per size and brand, read by the feed and by similar items alike', async () => {
    const catalog = Array.from({ length: 1500 }, (_, i) => generateListing(i, 11));
    const onSale = catalog.filter((l) => l.status === 'on_sale' && l.size && l.brand);
    const subject = onSale[0]!;
    const liked = onSale.filter((l) => l.size === subject.size && l.brand === subject.brand && l.id !== subject.id);
    expect(liked.length).toBeGreaterThan(1);
    const user = 'popular-lists-fan';
    expect(
      (await post(liked.map((l) => ({ user_id: user, type: 'like', listing_id: l.id, ts: now() })))).statusCode,
    ).toBe(202);
    const feed = await t.app.inject({ url: `/v1/feed?user_id=${user}&size=10`, headers: AS_APP });
    expect(feed.statusCode).toBe(200);

    // The feed computed its size and brand lists; a listing page of that size and brand reads them.
    const asked = await popularSearches(() => t.app.inject({ url: `/v1/listings/${subject.id}/similar?size=10` }));
    expect(asked).toEqual([]);
    // A listing of another size and brand computes its own.
    const other = onSale.find((l) => l.size !== subject.size && l.brand !== subject.brand)!;
    const fresh = await popularSearches(() => t.app.inject({ url: `/v1/listings/${other.id}/similar?size=10` }));
    expect(fresh.length).toBe(2);
  });

  it('are kept computed before anyone asks, by one pod, and again once a change drops one', async () => {
    const keeper = new PopularListsKeeper(t.app, { keepMs: 40_000, keepTop: 500 });
    const otherPod = new PopularListsKeeper(t.app, { keepMs: 40_000, keepTop: 500 });
    try {
      expect(await keeper.round()).toBeGreaterThan(0);
      // A listing page nobody asked for yet: its size's and brand's lists are already there.
      const catalog = Array.from({ length: 1500 }, (_, i) => generateListing(i, 11)).reverse();
      const page = catalog.find((l) => l.status === 'on_sale' && l.size && l.brand)!;
      expect(await popularSearches(() => t.app.inject({ url: `/v1/listings/${page.id}/similar?size=10` }))).toEqual([]);
      // Nothing about to expire, and the lease is held: neither pod computes anything.
      expect(await keeper.round()).toBe(0);
      expect(await otherPod.round()).toBe(0);
      // A change drops the lists that show the listing: the holder computes them at its next round.
      const [shown] = await popularIn(t.app, { kind: 'size', value: page.size! }, 1);
      await t.app.cache.invalidateListings([shown!.id]);
      expect(await otherPod.round()).toBe(0);
      expect(await keeper.round()).toBeGreaterThan(0);
    } finally {
      await keeper.close();
      await otherPod.close();
    }
  });
});
