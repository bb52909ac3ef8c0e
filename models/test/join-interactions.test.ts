import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../../core/src/index.js';
import { joinInteractions, type FeatureLogEntry } from '../export/join-interactions.js';

const item = (id: string, position: number, bm25: number) => ({
  listing_id: id,
  position,
  bm25,
  features: [bm25, position],
});
const log: FeatureLogEntry[] = [
  {
    query_id: 'q1',
    query: 'lego',
    user_id: 'u',
    items: [item('a', 0, 9), item('b', 1, 10), item('c', 2, 5), item('d', 3, 1), item('e', 4, 0.5)],
  },
  { query_id: 'q2', query: 'dress', user_id: 'u', items: [item('x', 0, 3)] },
];
const ev = (type: InteractionEvent['type'], listing: string, position: number, query = 'q1'): InteractionEvent => ({
  user_id: 'u',
  type,
  listing_id: listing,
  query_id: query,
  position,
  ts: '2026-11-01T00:00:00Z',
});

describe('joining the feature log with interactions', () => {
  const rows = joinInteractions(log, [
    ev('click', 'c', 2),
    ev('click', 'a', 0),
    ev('purchase', 'a', 0),
    ev('view', 'e', 4),
  ]);

  it('labels purchases 2, clicks 1, shown-but-skipped 0, down to the deepest interaction only', () => {
    expect(rows.map((r) => [r.docid, r.rating])).toEqual([
      ['a', 2],
      ['b', 0],
      ['c', 1],
    ]);
  });

  it('weights clicks by inverse examination probability (position bias)', () => {
    const a = rows.find((r) => r.docid === 'a')!;
    const c = rows.find((r) => r.docid === 'c')!;
    expect(a.weight).toBeCloseTo(1, 10);
    expect(c.weight).toBeCloseTo(Math.pow(3, 0.8), 10);
    expect(rows.find((r) => r.docid === 'b')!.weight).toBe(1);
  });

  it('keeps the features and ranks by BM25 within the impression; impressions without interactions are skipped', () => {
    expect(rows.find((r) => r.docid === 'b')).toMatchObject({
      bm25_rank: 0,
      features: [10, 1],
      query: 'q1',
      query_text: 'lego',
    });
    expect(rows.some((r) => r.query === 'q2')).toBe(false);
  });
});
