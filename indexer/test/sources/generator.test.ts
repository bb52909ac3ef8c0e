import { describe, expect, it } from 'vitest';
import { compileValidator, Listing } from '../../../core/src/index.js';
import { CATEGORY_TREE, generateListings } from '../../src/sources/generator.js';

const validate = compileValidator(Listing);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;

describe('demo catalog generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = [...generateListings({ count: 200, seed: 7 })];
    const b = [...generateListings({ count: 200, seed: 7 })];
    const c = [...generateListings({ count: 200, seed: 8 })];
    expect(a).toEqual(b);
    expect(a.map((l) => l.title)).not.toEqual(c.map((l) => l.title));
  });

  it('shards by startIndex into exactly the items of a full run', () => {
    const full = [...generateListings({ count: 100, seed: 3 })];
    const shards = [
      ...generateListings({ count: 40, seed: 3 }),
      ...generateListings({ count: 60, seed: 3, startIndex: 40 }),
    ];
    expect(shards).toEqual(full);
  });

  describe('distribution over 20k listings', () => {
    const items = [...generateListings({ count: 20_000, seed: 42 })];

    it('produces only valid listings with unique ids', () => {
      expect(items.filter((l) => !validate.check(l))).toEqual([]);
      expect(new Set(items.map((l) => l.id)).size).toBe(items.length);
    });

    it('covers a 3-level tree with 100+ leaves, skewed towards the big categories', () => {
      expect(CATEGORY_TREE.length).toBeGreaterThanOrEqual(100);
      const leaves = new Set(items.map((l) => l.category_path.join(' > ')));
      expect(leaves.size).toBeGreaterThanOrEqual(100);
      expect(items.every((l) => l.category_path.length === 3)).toBe(true);
      const byRoot = new Map<string, number>();
      for (const l of items) byRoot.set(l.category_path[0]!, (byRoot.get(l.category_path[0]!) ?? 0) + 1);
      const counts = [...byRoot.values()].sort((a, b) => b - a);
      expect(counts[0]! / counts[counts.length - 1]!).toBeGreaterThan(3);
    });

    it('has long-tailed prices and popularity', () => {
      const prices = items.map((l) => l.price);
      expect(quantile(prices, 0.99) / quantile(prices, 0.5)).toBeGreaterThan(8);
      const views = items.map((l) => l.view_count);
      expect(quantile(views, 0.99) / Math.max(1, quantile(views, 0.5))).toBeGreaterThan(10);
    });

    it('mixes conditions, statuses, brands and sellers plausibly', () => {
      const share = (pred: (l: Listing) => boolean) => items.filter(pred).length / items.length;
      expect(share((l) => l.condition === 'good')).toBeGreaterThan(0.2);
      expect(share((l) => l.condition === 'poor')).toBeLessThan(0.1);
      expect(share((l) => l.status === 'sold')).toBeGreaterThan(0.03);
      expect(share((l) => l.status === 'sold')).toBeLessThan(0.15);
      expect(share((l) => l.brand !== undefined)).toBeGreaterThan(0.7);
      const sellers = new Set(items.map((l) => l.seller_id));
      expect(sellers.size).toBeGreaterThan(1000);
      expect(sellers.size).toBeLessThan(items.length);
    });
  });
});
