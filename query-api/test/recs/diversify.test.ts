import { describe, expect, it } from 'vitest';
import { decayFactor, HALF_LIFE_DAYS } from '../../src/profiles/profile-store.js';
import { diversify } from '../../src/recommendations/diversify.js';

describe('diversify', () => {
  const item = (id: number, category: string, seller: string) => ({ id, category, seller });

  it('caps a category within the window, keeping score order where it can', () => {
    const items = [
      ...Array.from({ length: 10 }, (_, i) => item(i, 'shoes', `s${i}`)),
      ...Array.from({ length: 10 }, (_, i) => item(100 + i, 'toys', `t${i}`)),
      ...Array.from({ length: 10 }, (_, i) => item(200 + i, 'books', `b${i}`)),
      ...Array.from({ length: 10 }, (_, i) => item(300 + i, 'games', `g${i}`)),
    ];
    const out = diversify(items, (x) => x);
    expect(out).toHaveLength(items.length);
    expect(new Set(out.map((x) => x.id)).size).toBe(items.length);
    const firstPage = out.slice(0, 10);
    for (const c of ['shoes', 'toys', 'books', 'games'])
      expect(firstPage.filter((x) => x.category === c).length).toBeLessThanOrEqual(3);
    expect(out.slice(0, 3).map((x) => x.id)).toEqual([0, 1, 2]);
    expect(out[3]!.id).toBe(100);
  });

  it('limits one seller to two in a window, and never drops an item', () => {
    const items = [
      ...Array.from({ length: 5 }, (_, i) => item(i, `c${i}`, 'same')),
      ...Array.from({ length: 20 }, (_, i) => item(10 + i, `d${i}`, `x${i}`)),
    ];
    const out = diversify(items, (x) => x);
    expect(out.slice(0, 10).filter((x) => x.seller === 'same')).toHaveLength(2);
    expect(out).toHaveLength(25);
  });
});

describe('profile decay', () => {
  it('halves a weight every half-life', () => {
    const t0 = Date.parse('2026-06-01T00:00:00Z');
    const later = t0 + HALF_LIFE_DAYS * 86_400_000;
    expect(decayFactor(t0) / decayFactor(later)).toBeCloseTo(0.5, 10);
    expect(decayFactor(later + HALF_LIFE_DAYS * 86_400_000) / decayFactor(t0)).toBeCloseTo(4, 10);
  });
});
