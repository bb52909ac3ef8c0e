import { describe, expect, it } from 'vitest';
import { toListingDocument } from '../../core/src/index.js';
import { cosineWithQuantized, dot, quantizeEmbedding } from '../../core/src/text-embedder.js';
import { cosineOfHit, knnSearch, mergeCandidates } from '../src/search/hybrid-retrieval.js';
import { testListing } from '../../test/support/listing.js';

const doc = (id: string) => toListingDocument(testListing({ id, price: 100 }), 1, '2026-10-01T00:00:00Z');
const unit = (v: number[]) => {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
};
const query = unit([1, 0, 0, 0]);
const vectors: Record<string, number[]> = { a: unit([1, 1, 0, 0]), b: unit([0, 1, 0, 0]), c: unit([1, 0.1, 0, 0]) };
const hit = (id: string, score: number, withVector = true) => ({
  _id: id,
  _score: score,
  _source: doc(id),
  ...(withVector ? { fields: { embedding_int8: [quantizeEmbedding(vectors[id]!)] } } : {}),
});

describe('hybrid retrieval', () => {
  it('keeps BM25 hits in their order, then adds kNN hits BM25 lacked, each with both ranks', () => {
    const merged = mergeCandidates([hit('a', 9), hit('b', 5)], [hit('c', 0.9), hit('a', 0.8)], query);
    expect(merged.map((c) => c.doc.id)).toEqual(['a', 'b', 'c']);
    expect(merged.map((c) => [c.bm25Rank, c.knnRank])).toEqual([
      [0, 1],
      [1, null],
      [null, 0],
    ]);
    // A kNN-only listing has no BM25 score.
    expect(merged[2]!.bm25).toBe(0);
  });

  it('computes every cosine from the int8 copy, within quantization error of the float one', () => {
    const merged = mergeCandidates([hit('a', 9), hit('b', 5)], [hit('c', 0.9)], query);
    merged.forEach((c) => expect(c.semantic).toBeCloseTo(dot(query, vectors[c.doc.id]!), 2));
    expect(merged[1]!.semantic).toBeCloseTo(0, 6);
  });

  it('leaves the cosine out without an embedding or without a query vector', () => {
    const [noVector] = mergeCandidates([hit('a', 3, false)], [], query);
    expect(noVector).not.toHaveProperty('semantic');
    const [noQuery] = mergeCandidates([hit('a', 3)], []);
    expect(noQuery).not.toHaveProperty('semantic');
    expect(cosineOfHit(query, { fields: { embedding_int8: ['not a vector'] } })).toBeUndefined();
  });

  it('round-trips a real-sized unit vector through the int8 copy', () => {
    const v = unit(Array.from({ length: 384 }, (_, i) => Math.sin(i * 1.7)));
    const w = unit(Array.from({ length: 384 }, (_, i) => Math.cos(i * 0.3)));
    expect(cosineWithQuantized(v, quantizeEmbedding(v))).toBeCloseTo(1, 2);
    expect(cosineWithQuantized(v, quantizeEmbedding(w))).toBeCloseTo(dot(v, w), 2);
  });

  it('asks kNN for the embeddings of its hits, under the request filters', () => {
    const knn = knnSearch(new Float32Array([0.5, 0.5]), [{ term: { status: 'on_sale' } }], 50);
    expect(knn.knn.filter).toEqual([{ term: { status: 'on_sale' } }]);
    expect(knn.knn.num_candidates).toBeGreaterThanOrEqual(50);
    expect(knn.docvalue_fields).toEqual(['embedding_int8']);
  });
});
