import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig, toListingDocument, type Listing, type UserProfile } from '../../../core/src/index.js';
import { sizesPerGroup } from '../../src/profiles/profile-store.js';
import { fitScore, scoreFeed, topKeys } from '../../src/recommendations/feed-score.js';
import { FEED_WEIGHTS, recsWeights } from '../../src/recommendations/weights.js';
import { testListing } from '../../../test/support/listing.js';

const now = new Date('2026-12-02T12:00:00Z');
const listing = (id: string, patch: Partial<Listing>): ReturnType<typeof toListingDocument> =>
  toListingDocument(
    testListing(
      {
        id,
        seller_id: `s-${id}`,
        title: 'Blazer',
        category_path: ['Women', 'Blazer'],
        price: 3000,
        shipping_payer: 'buyer',
        ...patch,
      },
      '2026-11-30T00:00:00Z',
    ),
    1,
    '2026-11-30T00:00:00Z',
  );
const user: UserProfile = {
  user_id: 'u',
  category_affinity: { Women: 1, 'Women > Blazer': 0.5, 'Women > Jeans': 0.5 },
  brand_affinity: { Zara: 1 },
  size_affinity: { 'Size S': 0.75, 'Size M': 0.25 },
  recent_listing_ids: [],
  purchased_listing_ids: [],
  recent_queries: [],
};

describe('feed scoring', () => {
  it('scores fit as the weighted shares of the person engagement: size, brand, department, category', () => {
    const fits = listing('a', { size: 'Size S', brand: 'Zara' });
    expect(fitScore(user, fits, FEED_WEIGHTS)).toBeCloseTo(
      0.75 * FEED_WEIGHTS.size + FEED_WEIGHTS.brand + FEED_WEIGHTS.department + 0.5 * FEED_WEIGHTS.category,
    );
    expect(
      fitScore(user, listing('b', { size: 'Size XL', brand: 'Other', category_path: ['Men', 'Coats'] }), FEED_WEIGHTS),
    ).toBe(0);
  });

  it('adds the share of the person engagement in the listing department that was in its size', () => {
    const w = { ...FEED_WEIGHTS, size: 0, brand: 0, department: 0, category: 0, size_in_department: 2 };
    const withDepartments: UserProfile = {
      ...user,
      size_by_department: { Women: { 'Size S': 0.25, 'Size M': 0.75 }, Shoes: { 'Size S': 1 } },
    };
    expect(fitScore(withDepartments, listing('m', { size: 'Size M' }), w)).toBeCloseTo(1.5);
    expect(fitScore(withDepartments, listing('s', { size: 'Size S' }), w)).toBeCloseTo(0.5);
    expect(fitScore(withDepartments, listing('kid', { size: 'Size S', category_path: ['Kids', 'Tops'] }), w)).toBe(0);
    expect(fitScore(user, listing('old-profile', { size: 'Size M' }), w)).toBe(0);
  });

  it('normalises sizes within each department, not across them', () => {
    const by = sizesPerGroup([
      ['zd:Women\u001fSize S', 3],
      ['zd:Women\u001fSize M', 1],
      ['zd:Shoes\u001fSize 8', 0.5],
      ['z:Size S', 9],
      ['zd:broken', 1],
    ]);
    expect(by).toEqual({ Women: { 'Size S': 0.75, 'Size M': 0.25 }, Shoes: { 'Size 8': 1 } });
  });

  it('ranks what fits above what is only popular, and co-engagement lifts a candidate', () => {
    const entries = [
      { doc: listing('popular', { size: 'Size XL', like_count: 500 }), score: 0 },
      { doc: listing('fits', { size: 'Size S', brand: 'Zara' }), score: 0 },
      { doc: listing('together', { size: 'Size XL' }), score: 0 },
    ];
    scoreFeed(entries, user, new Map([['together', 3]]), now, FEED_WEIGHTS);
    const order = [...entries].sort((a, b) => b.score - a.score).map((e) => e.doc.id);
    expect(order[0]).toBe('fits');
    expect(entries[2]!.score - entries[0]!.score).toBeCloseTo(FEED_WEIGHTS.liked_together - FEED_WEIGHTS.popularity, 5);
  });

  it('orders a cold start by popularity and freshness only', () => {
    const entries = [
      { doc: listing('old', { like_count: 9, created_at: '2026-09-01T00:00:00Z' }), score: 0 },
      { doc: listing('new', { like_count: 9 }), score: 0 },
    ];
    scoreFeed(entries, undefined, new Map(), now, FEED_WEIGHTS);
    expect(entries[1]!.score).toBeGreaterThan(entries[0]!.score);
    expect(entries[0]!.score).toBeCloseTo(FEED_WEIGHTS.popularity);
  });

  it('picks the strongest sizes for the shared popular-by-size candidate lists', () => {
    expect(topKeys(user.size_affinity!, 1)).toEqual(['Size S']);
    expect(topKeys(user.category_affinity, 5, (k) => k.includes(' > ')).sort()).toEqual([
      'Women > Blazer',
      'Women > Jeans',
    ]);
  });
});

describe('blend weights', () => {
  const appWith = (env: string) => ({ config: loadConfig({ RECS_WEIGHTS: env }) }) as unknown as FastifyInstance;
  it('takes overrides from RECS_WEIGHTS and keeps the rest', () => {
    const w = recsWeights(appWith('feed.size=2,similar.liked_together=0'));
    expect(w.feed.size).toBe(2);
    expect(w.feed.brand).toBe(FEED_WEIGHTS.brand);
    expect(w.similar.liked_together).toBe(0);
  });
  it('refuses an unknown weight name or a malformed value', () => {
    expect(() => recsWeights(appWith('feed.colour=1'))).toThrow(ConfigError);
    expect(() => loadConfig({ RECS_WEIGHTS: 'feed.size=lots' })).toThrow(ConfigError);
  });
});
