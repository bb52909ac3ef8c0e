import { describe, expect, it } from 'vitest';
import { toListingDocument, type Listing } from '../../core/src/index.js';
import { cosineMap, cosineOfIds, cosineOfScore, knnSearch, mergeCandidates, missingCosineIds } from '../src/search/hybrid-retrieval.js';

const doc = (id: string) =>
  toListingDocument({ id, seller_id: 's', title: `item ${id}`, description: '', category_path: ['A'], condition: 'good', price: 100, currency: 'USD', shipping_payer: 'seller', status: 'on_sale', created_at: '2026-10-01T00:00:00Z', updated_at: '2026-10-01T00:00:00Z', like_count: 0, view_count: 0 } as Listing, 1, '2026-10-01T00:00:00Z');
const hit = (id: string, score: number) => ({ _id: id, _score: score, _source: doc(id) });

describe('hybrid retrieval', () => {
  it('keeps BM25 hits in their order, then adds kNN hits BM25 lacked, each with both ranks', () => {
    const merged = mergeCandidates([hit('a', 9), hit('b', 5)], [hit('c', 0.9), hit('a', 0.8)], new Map([['a', 0.6], ['b', 0.1]]));
    expect(merged.map((c) => c.doc.id)).toEqual(['a', 'b', 'c']);
    expect(merged.map((c) => [c.bm25Rank, c.knnRank])).toEqual([[0, 1], [1, null], [null, 0]]);
    // A kNN-only listing has no BM25 score; its cosine comes from the kNN score.
    expect(merged[2]!.bm25).toBe(0);
    expect(merged[2]!.semantic).toBeCloseTo(0.8);
    expect(merged[1]!.semantic).toBe(0.1);
  });

  it('leaves the cosine out for a BM25 hit without an embedding', () => {
    const [only] = mergeCandidates([hit('a', 3)], [], new Map());
    expect(only).not.toHaveProperty('semantic');
  });

  it('asks the exact cosine only of BM25 hits the kNN search did not return', () => {
    expect(missingCosineIds([hit('a', 9), hit('b', 5), hit('c', 1)], [hit('b', 0.9), hit('x', 0.8)])).toEqual(['a', 'c']);
    expect(cosineMap([hit('b', 0.9)], [hit('a', 0.6)])).toEqual(new Map([['b', 2 * 0.9 - 1], ['a', 2 * 0.6 - 1]]));
  });

  it('reads dot_product scores back as cosines', () => {
    expect(cosineOfScore(1)).toBe(1);
    expect(cosineOfScore(0.5)).toBe(0);
    expect(cosineMap([{ _id: 'a', _score: 0.75 }]).get('a')).toBe(0.5);
  });

  it('asks for as many neighbours as ids, filtered to those ids, and kNN under the request filters', () => {
    const exact = cosineOfIds([0.1, 0.2], ['a', 'b', 'c']);
    expect(exact.knn.k).toBe(3);
    expect(exact.knn.filter).toEqual([{ ids: { values: ['a', 'b', 'c'] } }]);
    const knn = knnSearch(new Float32Array([0.5, 0.5]), [{ term: { status: 'on_sale' } }], 50);
    expect(knn.knn.filter).toEqual([{ term: { status: 'on_sale' } }]);
    expect(knn.knn.num_candidates).toBeGreaterThanOrEqual(50);
  });
});
