import { describe, expect, it } from 'vitest';
import { normalizeTitle, popularityOf, priceBucket, toListingDocument, type Listing } from '../src/index.js';
import { goodListing } from './fixtures.js';

describe('toListingDocument', () => {
  const doc = toListingDocument(goodListing as Listing, 42, '2026-11-02T10:00:00Z', new Date('2026-11-02T10:00:01Z'));

  it('derives category levels, bucket, popularity and dedup key', () => {
    expect(doc.category_l0).toBe('Men');
    expect(doc.category_l1).toBe('Shoes');
    expect(doc.category_l2).toBe('Athletic Shoes');
    expect(doc.category_leaf).toBe('Athletic Shoes');
    expect(doc.category_text).toBe('Men > Shoes > Athletic Shoes');
    expect(doc.price_bucket).toBe('25_50');
    expect(doc.popularity).toBeCloseTo(Math.log1p(3 * 5 + 40), 3);
    expect(doc.dedup_key).toBe('s-1|nike air max 90 sneakers');
    expect(doc.version).toBe(42);
    expect(doc.indexed_at).toBe('2026-11-02T10:00:01.000Z');
  });

  it('gives completion inputs for the title, the title after its brand, and the brand', () => {
    expect(doc.suggest.input).toEqual(['nike air max 90 sneakers', 'air max 90 sneakers', 'nike']);
    const sized = toListingDocument(
      { ...(goodListing as Listing), title: 'Nike Tee size XL' },
      1,
      '2026-11-02T10:00:00Z',
    );
    expect(sized.suggest.input).toContain('nike tee');
    expect(doc.suggest.weight).toBeGreaterThan(0);
  });
});

describe('derived field helpers', () => {
  it('buckets prices at the edges', () => {
    expect(priceBucket(0)).toBe('under_10');
    expect(priceBucket(999)).toBe('under_10');
    expect(priceBucket(1000)).toBe('10_25');
    expect(priceBucket(49_999)).toBe('250_500');
    expect(priceBucket(50_000)).toBe('500_plus');
  });

  it('popularity grows with engagement but sub-linearly', () => {
    expect(popularityOf(0, 0)).toBe(0);
    expect(popularityOf(10, 100)).toBeGreaterThan(popularityOf(1, 10));
    expect(popularityOf(1000, 10_000) / popularityOf(10, 100)).toBeLessThan(3);
  });

  it('normalizes titles for near-duplicate detection', () => {
    expect(normalizeTitle('  Café  Crème!! Mug ')).toBe('cafe creme mug');
  });
});
