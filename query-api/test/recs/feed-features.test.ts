import { describe, expect, it } from 'vitest';
import { toListingDocument, type Listing, type UserProfile } from '../../../core/src/index.js';
import { FEED_FEATURE_NAMES, feedFeatureSpec, feedFeatures } from '../../../ranking/src/feed-features.js';
import { scoreFeed } from '../../src/recommendations/feed-score.js';
import { FEED_WEIGHTS } from '../../src/recommendations/weights.js';
import { testListing } from '../../../test/support/listing.js';

const now = new Date('2026-12-02T12:00:00Z');
const doc = (id: string, patch: Partial<Listing>) =>
  toListingDocument(
    testListing({ id, category_path: ['Women', 'Dresses'], price: 3000, ...patch }, '2026-11-22T12:00:00Z'),
    1,
    '2026-11-22T12:00:00Z',
  );
const user: UserProfile = {
  user_id: 'u',
  category_affinity: { Women: 1, 'Women > Dresses': 0.75, 'Women > Jeans': 0.25 },
  brand_affinity: { Zara: 0.5, Gap: 0.5 },
  size_affinity: { 'Size S': 0.75, 'Size M': 0.25 },
  size_by_department: { Women: { 'Size S': 0.75, 'Size M': 0.25 } },
  size_by_category: { 'Women > Dresses': { 'Size S': 1 }, 'Women > Jeans': { 'Size M': 1 } },
  color_affinity: { Black: 0.6, Blue: 0.4 },
  price_band: { low: 2000, high: 4000 },
  price_median: 2500,
  recent_listing_ids: [],
  liked_listing_ids: ['x', 'y', 'z', 'w'],
  purchased_listing_ids: [],
  recent_queries: [],
};
const col = (row: number[], name: string) => row[FEED_FEATURE_NAMES.indexOf(name)]!;

describe('feed features (ranking/src/feed-features.ts)', () => {
  const a = doc('a', { size: 'Size S', brand: 'Zara', color: 'Black', condition: 'new', like_count: 20 });
  const b = doc('b', { size: 'Size M', brand: 'Nike', category_path: ['Women', 'Jeans'], price: 6000, like_count: 5 });
  const rows = feedFeatures(
    [
      { doc: a, source: 'because_you_liked:x', together: 0.4 },
      { doc: b, source: 'size:Size M', together: 0 },
    ],
    user,
    now,
  );

  it('gives one row per candidate, one column per spec feature', () => {
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toHaveLength(FEED_FEATURE_NAMES.length);
  });

  it('computes each column as the spec says', () => {
    const [ra, rb] = rows as [number[], number[]];
    expect(col(ra, 'size')).toBe(0.75);
    expect(col(ra, 'department')).toBe(1);
    expect(col(ra, 'brand')).toBe(0.5);
    expect(col(ra, 'category')).toBe(0.75);
    expect(col(ra, 'color')).toBe(0.6);
    expect(col(ra, 'size_in_department')).toBe(0.75);
    expect(col(ra, 'size_in_category')).toBe(1);
    expect(col(rb, 'size_in_category')).toBe(1);
    expect(col(rb, 'color')).toBe(0);
    expect(col(ra, 'new')).toBe(1);
    expect(col(rb, 'new')).toBe(0);
    // Scaled to the best candidate, as the blend scales them.
    expect(col(ra, 'popularity')).toBe(1);
    expect(col(rb, 'popularity')).toBeCloseTo(b.popularity / a.popularity, 12);
    expect(col(ra, 'together')).toBe(1);
    expect(col(ra, 'together_raw')).toBe(0.4);
    expect(col(rb, 'together')).toBe(0);
    expect(col(ra, 'price_fit')).toBe(1);
    expect(col(rb, 'price_fit')).toBe(0);
    expect(col(ra, 'freshness')).toBeCloseTo(1 - 10 / 60, 12);
    expect(col(rb, 'popularity_x_size')).toBeCloseTo(col(rb, 'popularity') * 0.25, 12);
    expect(col(ra, 'log_price')).toBeCloseTo(Math.log(3000), 12);
    expect(col(rb, 'price_vs_median')).toBeCloseTo(Math.log(6000 / 2500), 12);
    expect(col(ra, 'likes_known')).toBe(4);
    expect(col(ra, 'source_together')).toBe(1);
    expect(col(rb, 'source_size')).toBe(1);
    expect(ra.filter((v, i) => FEED_FEATURE_NAMES[i]!.startsWith('source_') && v === 1)).toHaveLength(1);
  });

  it('leaves a profile without the newer fields at the defaults (old profiles still rank)', () => {
    const bare: UserProfile = {
      user_id: 'v',
      category_affinity: {},
      brand_affinity: {},
      recent_listing_ids: [],
      purchased_listing_ids: [],
      recent_queries: [],
    };
    const [r] = feedFeatures([{ doc: a, source: 'fresh', together: 0 }], bare, now) as [number[]];
    for (const name of ['size', 'color', 'size_in_category', 'price_vs_median', 'likes_known', 'source_trending'])
      expect(col(r, name)).toBe(0);
    expect(r.every(Number.isFinite)).toBe(true);
  });

  it("blend column is the served blend: the spec's weights are weights.ts's and the scores agree", () => {
    const { together, ...rest } = feedFeatureSpec.blend_weights;
    expect({ ...rest, liked_together: together }).toEqual(FEED_WEIGHTS);
    const entries = [
      { doc: a, score: 0 },
      { doc: b, score: 0 },
    ];
    scoreFeed(entries, user, new Map([['a', 0.4]]), now, FEED_WEIGHTS);
    expect(col(rows[0]!, 'blend')).toBeCloseTo(entries[0]!.score, 12);
    expect(col(rows[1]!, 'blend')).toBeCloseTo(entries[1]!.score, 12);
  });
});
