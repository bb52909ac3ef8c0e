import { describe, expect, it } from 'vitest';
import { SerializedPages } from '../src/search/serialized-pages.js';

const page = { query_id: 'q1', items: [{ id: 'a', title: 'Lamp "Arc"' }], ranker: 'bm25', took_ms: 0 };

describe('serialized first pages', () => {
  it('serializes a page once and splices each answer its own took_ms', () => {
    const pages = new SerializedPages({ max: 10, maxBytes: 1 << 20, ttlMs: 60_000 });
    let calls = 0;
    const serialize = (p: typeof page) => (calls++, JSON.stringify(p));
    const first = pages.body('q1:20', page, 3.25, serialize);
    const second = pages.body('q1:20', { ...page, ranker: 'ignored: the body is kept' }, 0.5, serialize);
    expect(calls).toBe(1);
    expect(JSON.parse(first.toString())).toEqual({ ...page, took_ms: 3.25 });
    expect(JSON.parse(second.toString())).toEqual({ ...page, took_ms: 0.5 });
  });

  it('keeps separate bodies per key', () => {
    const pages = new SerializedPages({ max: 10, maxBytes: 1 << 20, ttlMs: 60_000 });
    pages.body('q1:20', page, 1, JSON.stringify);
    expect(JSON.parse(pages.body('q2:20', { ...page, query_id: 'q2' }, 1, JSON.stringify).toString()).query_id).toBe(
      'q2',
    );
  });

  it('keeps within its byte budget, dropping the least recently used bodies', () => {
    const pages = new SerializedPages({ max: 10, maxBytes: 250, ttlMs: 60_000 });
    let calls = 0;
    const serialize = (p: typeof page) => (calls++, JSON.stringify(p));
    for (const id of ['q1', 'q2', 'q3']) pages.body(id, { ...page, query_id: id }, 1, serialize); // ~90 bytes each
    expect(calls).toBe(3);
    pages.body('q3', { ...page, query_id: 'q3' }, 1, serialize);
    expect(calls).toBe(3); // kept
    pages.body('q1', { ...page, query_id: 'q1' }, 1, serialize);
    expect(calls).toBe(4); // dropped for q3, serialized again
  });

  it('refuses a serializer that does not put took_ms last (the splice would corrupt the JSON)', () => {
    const pages = new SerializedPages({ max: 10, maxBytes: 1 << 20, ttlMs: 60_000 });
    expect(() => pages.body('k', page, 1, (p) => JSON.stringify({ took_ms: p.took_ms, query_id: p.query_id }))).toThrow(
      /took_ms last/,
    );
  });
});
