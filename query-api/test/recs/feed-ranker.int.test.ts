import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListingDocument, type Listing } from '../../../core/src/index.js';
import { notifyListingsChanged } from '../../../core/src/pipeline/change-notifications.js';
import { generateListing } from '../../../indexer/src/sources/generator.js';
import { listVersions } from '../../../ranking/src/model-registry.js';
import { appWithCatalog, AS_APP, FIXED, type TestApp } from '../fixtures.js';

// The learned feed ranker (FEED_RANKER=learned) on the shipped model, and its fallback to the blend when
// the model is missing or broken. Real Elasticsearch and Redis, as every integration test here.
const shipped = resolve(import.meta.dirname, '../../../models');
const version = listVersions(shipped, 'feed-ltr').at(-1);
const catalog = Array.from({ length: 1500 }, (_, i) => generateListing(i, 11));
const listingById = (id: string) => catalog.find((l) => l.id === id) ?? FIXED.find((l) => l.id === id)!;
const now = () => new Date().toISOString();

async function engage(t: TestApp, user: string, events: Array<{ type: string; listing: Listing }>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: AS_APP,
    payload: { events: events.map((e) => ({ user_id: user, type: e.type, listing_id: e.listing.id, ts: now() })) },
  });
  expect(res.statusCode).toBe(202);
}

const feedOf = async (t: TestApp, user: string, size = 30) => {
  const res = await t.app.inject({ url: `/v1/feed?user_id=${user}&size=${size}`, headers: AS_APP });
  expect(res.statusCode).toBe(200);
  return res.json() as { ranker: string; personalized: boolean; items: Array<{ id: string; status: string }> };
};

const toys = catalog.filter((l) => l.category_path[1] === 'Toys' && l.status === 'on_sale');

describe('home feed with the learned ranker (FEED_RANKER=learned)', () => {
  let t: TestApp;
  beforeAll(async () => {
    expect(version, 'a feed model is shipped in models/feed-ltr').toBeDefined();
    t = await appWithCatalog(1500, { FEED_RANKER: 'learned', MODEL_DIR: shipped });
  });
  afterAll(async () => t.close());

  it('orders a personal feed by the model and still excludes liked, purchased and sold listings', async () => {
    const [liked, bought, ...rest] = toys;
    await engage(t, 'ltr-fan', [
      ...toys.slice(0, 6).map((listing) => ({ type: 'view', listing })),
      { type: 'like', listing: liked! },
      { type: 'like', listing: rest[0]! },
      { type: 'purchase', listing: bought! },
    ]);
    const first = await feedOf(t, 'ltr-fan');
    expect(first.personalized).toBe(true);
    expect(first.ranker).toBe(`onnx:feed-ltr@${version}`);
    expect(first.items.length).toBe(30);
    const ids = first.items.map((i) => i.id);
    expect(ids).not.toContain(liked!.id);
    expect(ids).not.toContain(rest[0]!.id);
    expect(ids).not.toContain(bought!.id);
    expect(first.items.every((i) => i.status === 'on_sale')).toBe(true);

    // Sold after the build: the next build (same profile version, cache invalidated by the change) drops it.
    const top = ids[0]!;
    const doc = toListingDocument({ ...listingById(top), status: 'sold' }, 9, now());
    await t.es.index({
      index: t.config.elasticsearch.alias,
      id: top,
      document: doc,
      version: 9,
      version_type: 'external',
      refresh: true,
    });
    await notifyListingsChanged(t.app.redis, t.config.redis.namespace, [top]);
    await new Promise((r) => setTimeout(r, 100));
    const again = await feedOf(t, 'ltr-fan');
    expect(again.items.map((i) => i.id)).not.toContain(top);
    expect(again.items.every((i) => i.status === 'on_sale')).toBe(true);
  });

  it('counts each build by what ordered it, and not the first pages the cache answered', async () => {
    const builds = async () => {
      const text = await t.app.metrics.registry.metrics();
      const line = new RegExp(`^api_feed_builds_total\\{ranker="onnx:feed-ltr@${version}"\\} (\\d+)`, 'm');
      return Number(line.exec(text)?.[1] ?? 0);
    };
    const before = await builds();
    await engage(t, 'counted-fan', [{ type: 'like', listing: toys[3]! }]);
    await feedOf(t, 'counted-fan');
    await feedOf(t, 'counted-fan'); // the same profile version: from the cache
    expect(await builds()).toBe(before + 1);
    // A view bumps no version: the cached build is served (with the viewed page merged in, page-merges.ts).
    await engage(t, 'counted-fan', [{ type: 'view', listing: toys[4]! }]);
    await feedOf(t, 'counted-fan');
    expect(await builds()).toBe(before + 1);
    await engage(t, 'counted-fan', [{ type: 'click', listing: toys[4]! }]); // a new version: built again
    await feedOf(t, 'counted-fan');
    expect(await builds()).toBe(before + 2);
  });

  it('keeps the diversity rule after the model: at most 2 of one seller and 3 of one category in any 10', async () => {
    const feed = await feedOf(t, 'ltr-fan', 50);
    const docs = feed.items.map((i) => listingById(i.id) ?? i) as Listing[];
    for (let at = 0; at + 10 <= docs.length; at++) {
      const window = docs.slice(at, at + 10);
      const most = (key: (l: Listing) => string) =>
        Math.max(...[...new Set(window.map(key))].map((k) => window.filter((l) => key(l) === k).length));
      expect(most((l) => l.seller_id)).toBeLessThanOrEqual(2);
      expect(most((l) => l.category_path.join(' > '))).toBeLessThanOrEqual(3);
    }
  });

  it('serves an unknown user the cold-start mix by the blend (the model was trained on people with likes)', async () => {
    const res = await t.app.inject({ url: '/v1/feed?user_id=nobody-yet&size=10', headers: AS_APP });
    expect(res.json().personalized).toBe(false);
    expect(res.json().ranker).toBe('blend');
    expect(res.json().items.length).toBe(10);
  });
});

describe('home feed with FEED_RANKER=learned and no usable model', () => {
  for (const [what, models] of [
    ['missing', () => mkdtempSync(join(tmpdir(), 'no-models-'))],
    [
      'corrupt',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'bad-models-'));
        cpSync(join(shipped, 'feed-ltr', version!), join(dir, 'feed-ltr', version!), { recursive: true });
        writeFileSync(join(dir, 'feed-ltr', version!, 'model.onnx'), 'not an onnx model');
        return dir;
      },
    ],
  ] as const) {
    it(`falls back to the blend when the model is ${what}, and serves the feed`, async () => {
      const t = await appWithCatalog(300, { FEED_RANKER: 'learned', MODEL_DIR: models() });
      try {
        expect(t.app.feedModel).toBeNull();
        // Listings of this smaller catalog (the first 300 generated).
        const liked = catalog
          .slice(0, 300)
          .filter((l) => l.status === 'on_sale')
          .slice(0, 3);
        await engage(
          t,
          'fallback-fan',
          liked.map((listing) => ({ type: 'like', listing })),
        );
        const feed = await feedOf(t, 'fallback-fan', 10);
        expect(feed.personalized).toBe(true);
        expect(feed.ranker).toBe('blend');
        expect(feed.items.length).toBe(10);
        const metrics = await t.app.metrics.registry.metrics();
        expect(metrics).toMatch(/api_feed_ranker_fallbacks_total\{reason="model_unavailable"\} [1-9]/);
        for (const l of liked) expect(feed.items.map((i) => i.id)).not.toContain(l.id);
      } finally {
        await t.close();
      }
    });
  }
});

describe('a feed model put in place while the API runs', () => {
  it('is served without a restart, and a newer one that fails to load leaves it serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feed-models-'));
    const t = await appWithCatalog(300, { FEED_RANKER: 'learned', MODEL_DIR: dir });
    const until = async (check: () => boolean) => {
      const since = Date.now();
      while (!check() && Date.now() - since < 5000) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      expect(t.app.feedModel).toBeNull();
      cpSync(join(shipped, 'feed-ltr', version!), join(dir, 'feed-ltr', version!), { recursive: true });
      await until(() => t.app.feedModel !== null);
      expect(t.app.feedModel?.name).toBe(`onnx:feed-ltr@${version}`);
      const liked = catalog
        .slice(0, 300)
        .filter((l) => l.status === 'on_sale')
        .slice(0, 3);
      await engage(
        t,
        'reload-fan',
        liked.map((listing) => ({ type: 'like', listing })),
      );
      expect((await feedOf(t, 'reload-fan', 10)).ranker).toBe(`onnx:feed-ltr@${version}`);

      // A later version (what `latest` picks) whose model is broken: the loaded one keeps serving.
      const broken = join(dir, 'feed-ltr', '2999-01-01.1');
      cpSync(join(shipped, 'feed-ltr', version!), broken, { recursive: true });
      writeFileSync(join(broken, 'model.onnx'), 'not an onnx model');
      await new Promise((r) => setTimeout(r, 1500));
      expect(t.app.feedModel?.name).toBe(`onnx:feed-ltr@${version}`);
    } finally {
      await t.close();
    }
  });
});
