import { describe, expect, it } from 'vitest';
import { cosineWithQuantized, dot, embeddingFields } from '../src/text-embedder.js';

/** A unit vector of 384 components from a seeded generator (no model needed). */
function unitVector(seed: number): Float32Array {
  const v = new Float32Array(384);
  let x = seed;
  for (let d = 0; d < v.length; d++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    v[d] = x / 2 ** 31 - 0.5;
  }
  const norm = Math.sqrt(dot(v, v));
  return v.map((c) => c / norm);
}

describe('embeddingFields', () => {
  it('writes the vector with 4 decimals, a third of the JSON at full precision', () => {
    const v = unitVector(7);
    const { embedding } = embeddingFields(v);
    expect(embedding).toHaveLength(384);
    for (const c of embedding) expect(Math.abs(c * 1e4 - Math.round(c * 1e4))).toBeLessThan(1e-6);
    expect(JSON.stringify(embedding).length).toBeLessThan(JSON.stringify(Array.from(v)).length / 2);
    // Still a unit vector for Elasticsearch's dot_product check (refused beyond about 1e-3).
    expect(Math.abs(dot(embedding, embedding) - 1)).toBeLessThan(3e-4);
  });

  it('changes no cosine by more than a thousandth, and keeps the int8 copy of the unrounded vector', () => {
    const q = unitVector(11);
    for (const seed of [1, 2, 3, 4, 5]) {
      const v = unitVector(seed);
      const { embedding, embedding_int8 } = embeddingFields(v);
      expect(Math.abs(dot(q, embedding) - dot(q, v))).toBeLessThan(1e-3);
      expect(cosineWithQuantized(q, embedding_int8)).toBeCloseTo(dot(q, v), 2);
    }
  });
});
