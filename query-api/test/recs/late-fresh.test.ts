import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diversify } from '../../src/recommendations/diversify.js';
import { diversityKey } from '../../src/recommendations/feed.js';
import { insertByScore, mergeFirstItems } from '../../src/recommendations/late-fresh.js';

type Item = { id: string; score: number; category_path: string[]; seller_id: string };
const item = (id: string, score: number, category = 'A', seller = id): Item => ({
  id,
  score,
  category_path: ['Women', category],
  seller_id: seller,
});

const items = (prefix: string) =>
  fc
    .array(
      fc.record({
        score: fc.integer({ min: 0, max: 50 }),
        category: fc.constantFrom('A', 'B', 'C'),
        seller: fc.constantFrom('s1', 's2', 's3', 's4'),
      }),
      { maxLength: 40 },
    )
    .map((rows) => rows.map((r, i) => item(`${prefix}${i}`, r.score / 10, r.category, r.seller)));

/** What a feed build does: score order (ties by id), then the diversity rule. */
const built = (xs: Item[]) =>
  diversify(
    [...xs].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)),
    diversityKey,
  );

describe('merging late fresh listings into a cached feed', () => {
  it('puts each added item before the first item that scores lower, keeping the given order', () => {
    const ordered = [item('a', 0.9), item('b', 0.5), item('c', 0.7), item('d', 0.1)];
    const out = insertByScore(ordered, [item('x', 0.6), item('y', 0.05), item('z', 0.95)]);
    expect(out.map((i) => i.id)).toEqual(['z', 'a', 'x', 'b', 'c', 'd', 'y']);
  });

  it('gives back a built feed unchanged when nothing is added', () => {
    fc.assert(
      fc.property(items('b'), (xs) => {
        const feed = built(xs);
        expect(mergeFirstItems(feed, []).map((i) => i.id)).toEqual(feed.map((i) => i.id));
      }),
    );
  });

  it('keeps every item exactly once', () => {
    fc.assert(
      fc.property(items('b'), items('n'), (xs, added) => {
        const merged = mergeFirstItems(built(xs), added);
        expect(merged.map((i) => i.id).sort()).toEqual([...xs, ...added].map((i) => i.id).sort());
      }),
    );
  });

  it('places a high-scoring added listing first unless its category or seller is already full', () => {
    const feed = built([item('a', 0.9, 'A'), item('b', 0.8, 'A'), item('c', 0.7, 'A'), item('d', 0.6, 'B')]);
    expect(mergeFirstItems(feed, [item('x', 0.95, 'B')]).map((i) => i.id)[0]).toBe('x');
    // A fourth of category A: it takes its place by score and the lowest A waits for the window to slide.
    expect(mergeFirstItems(feed, [item('y', 0.85, 'A')]).map((i) => i.id)).toEqual(['a', 'y', 'b', 'd', 'c']);
  });
});
