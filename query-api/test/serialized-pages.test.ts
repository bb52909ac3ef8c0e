import { describe, expect, it } from 'vitest';
import { SerializedPages } from '../src/search/serialized-pages.js';

const page = { query_id: 'q1', items: [{ id: 'a', title: 'Lamp "Arc"' }], ranker: 'bm25', took_ms: 0 };

describe('serialized first pages', () => {
  it('serializes a page once and splices each answer its own took_ms', () => {
    const pages = new SerializedPages({ max: 10, ttlMs: 60_000 });
    let calls = 0;
    const serialize = (p: typeof page) => (calls++, JSON.stringify(p));
    const first = pages.body('q1:20', page, 3.25, serialize);
    const second = pages.body('q1:20', { ...page, ranker: 'ignored: the body is kept' }, 0.5, serialize);
    expect(calls).toBe(1);
    expect(JSON.parse(first.toString())).toEqual({ ...page, took_ms: 3.25 });
    expect(JSON.parse(second.toString())).toEqual({ ...page, took_ms: 0.5 });
  });

  it('keeps separate bodies per key', () => {
    const pages = new SerializedPages({ max: 10, ttlMs: 60_000 });
    pages.body('q1:20', page, 1, JSON.stringify);
    expect(JSON.parse(pages.body('q2:20', { ...page, query_id: 'q2' }, 1, JSON.stringify).toString()).query_id).toBe('q2');
  });

  it('refuses a serializer that does not put took_ms last (the splice would corrupt the JSON)', () => {
    const pages = new SerializedPages({ max: 10, ttlMs: 60_000 });
    expect(() => pages.body('k', page, 1, (p) => JSON.stringify({ took_ms: p.took_ms, query_id: p.query_id }))).toThrow(/took_ms last/);
  });
});
