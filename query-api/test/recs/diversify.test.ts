import fc from 'fast-check';
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

/** The rule written the plain way (the window re-read for every candidate): the oracle for the fast one. */
function diversifyPlainly<T extends { category: string; seller: string }>(items: T[], window = 10): T[] {
  const remaining = [...items];
  const out: T[] = [];
  while (remaining.length > 0) {
    const recent = out.slice(-(window - 1));
    const fits = (x: T) =>
      recent.filter((r) => r.category === x.category).length < 3 &&
      recent.filter((r) => r.seller === x.seller).length < 2;
    const at = remaining.findIndex(fits);
    out.push(remaining.splice(at === -1 ? 0 : at, 1)[0]!);
  }
  return out;
}

describe('diversify, against the rule written plainly', () => {
  // Few categories and sellers, so the caps bind often (with many, any order would pass).
  const few = (prefix: string, n: number) => fc.integer({ min: 0, max: n - 1 }).map((i) => `${prefix}${i}`);
  const items = fc.array(fc.record({ category: few('c', 3), seller: few('s', 4) }), {
    minLength: 10,
    maxLength: 80,
    size: 'max',
  });

  it('places the same items in the same order, and with a limit the same first ones', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 0, max: 90 }), (xs, limit) => {
        const tagged = xs.map((x, id) => ({ ...x, id }));
        const plain = diversifyPlainly(tagged);
        expect(diversify(tagged, (x) => x)).toEqual(plain);
        expect(diversify(tagged, (x) => x, { limit })).toEqual(plain.slice(0, limit));
      }),
      { seed: 18, numRuns: 300 },
    );
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
