import { describe, expect, it } from 'vitest';
import { EMBEDDING_DIMS } from '../../core/src/index-definition.js';
import { quantizeEmbedding } from '../../core/src/text-embedder.js';
import { MatchMemo, mayEnter, scopeMatches, type EntryScope } from '../src/cache/entry-scope.js';
import { KNN_BOUND_MARGIN, knnScope, type ScoredHit } from '../src/search/hybrid-retrieval.js';
import { changedListing } from './changed-listing.js';

/** A unit vector at `cosine` from the first axis (in the plane of the first two): cosines are exact by construction. */
const at = (cosine: number): Float32Array => {
  const v = new Float32Array(EMBEDDING_DIMS);
  v[0] = cosine;
  v[1] = Math.sqrt(1 - cosine * cosine);
  return v;
};
const query = at(1);
// A listing that shares no word with the query "handheld communicator": only its vector can let it in.
const listing = (cosine: number | undefined, patch = {}) =>
  changedListing({
    text: 'Apple iPhone 12 smartphone',
    ...(cosine === undefined ? {} : { embedding: quantizeEmbedding(at(cosine)) }),
    ...patch,
  });
const scope = (minCosine: number | 'any', patch: Partial<EntryScope> = {}): EntryScope => ({
  status: 'on_sale',
  q: 'handheld communicator',
  knn: { vector: quantizeEmbedding(query), minCosine },
  ...patch,
});
/** A kNN hit as Elasticsearch returns it: dot_product score (1 + cosine) / 2, the int8 copy as a doc value. */
const hit = (cosine: number, score = (1 + cosine) / 2): ScoredHit => ({
  _id: String(cosine),
  _score: score,
  fields: { embedding_int8: [quantizeEmbedding(at(cosine))] },
});
const matches = (s: EntryScope, l: ReturnType<typeof listing>) => scopeMatches(s, l, new MatchMemo());

describe('kNN scopes of relevance windows', () => {
  it('let a listing in by its vector when its cosine reaches the bound, not below it', () => {
    expect(matches(scope(0.6), listing(0.65))).toBe('knn_bound');
    expect(matches(scope(0.6), listing(0.55))).toBeUndefined();
    // At the bound: as close as the window's farthest kNN hit, both rounded to int8 (the margin covers it).
    const recorded = { ...scope(0), knn: knnScope(query, [hit(0.8), hit(0.6)], 2) };
    expect(matches(recorded, listing(0.6))).toBe('knn_bound');
    expect(matches(recorded, listing(0.6 - 2 * KNN_BOUND_MARGIN))).toBeUndefined();
    expect(matches(scope('any'), listing(-0.5))).toBe('knn_any'); // kNN returned fewer than k: any vector joins
  });

  it('still apply the filters first', () => {
    expect(matches(scope(0.6, { status: 'sold' }), listing(0.9))).toBeUndefined();
    expect(matches(scope(0.6, { categoryPath: ['Electronics'] }), listing(0.9))).toBeUndefined();
    expect(matches(scope('any', { priceMax: 100 }), listing(0.9))).toBeUndefined();
    expect(matches(scope(0.6, { brands: ['Nike'] }), listing(0.9))).toBe('knn_bound');
  });

  it('need a vector: a listing the embedding step has not reached yet cannot be a kNN candidate', () => {
    expect(matches(scope('any'), listing(undefined))).toBeUndefined();
    // Words still let it in as before.
    expect(matches(scope(0.6, { q: 'iphone' }), listing(undefined))).toBe('words');
  });

  it('count a malformed vector as a possible match (a recomputation, never a hidden listing)', () => {
    expect(matches({ ...scope(0.6), knn: { vector: 'AAAA', minCosine: 0.6 } }, listing(0.1))).toBe('knn_bound');
  });

  it('parse and match entries stored by older code (no kNN part) by their words alone', () => {
    const old = JSON.parse('{"status":"on_sale","q":"handheld communicator"}') as EntryScope;
    expect(matches(old, listing(0.99))).toBeUndefined();
    expect(matches({ ...old, q: 'smartphone' }, listing(0.99))).toBe('words');
    const memo = new MatchMemo();
    expect(mayEnter([old, scope(0.5)], [listing(0.2), listing(0.7, { id: 'l2' })], memo)).toBe('knn_bound');
  });

  it('match a listing whose vector alone is new by kNN only: its words were matched when its text was', () => {
    const vectorOnly = (cosine: number) => ({
      ...listing(cosine, { text: 'handheld communicator' }),
      vectorOnly: true,
    });
    expect(matches(scope(0.6), listing(0.1, { text: 'handheld communicator' }))).toBe('words'); // words, first pass
    expect(matches(scope(0.6), vectorOnly(0.1))).toBeUndefined();
    expect(matches(scope(0.6), vectorOnly(0.7))).toBe('knn_bound');
    expect(matches({ status: 'on_sale', q: 'handheld communicator' }, vectorOnly(0.9))).toBeUndefined(); // no kNN part
    expect(matches({ status: 'on_sale' }, vectorOnly(0.9))).toBeUndefined(); // browsing: no kNN candidates
  });

  it('remember each cosine per pass (entries of one query share it)', () => {
    const memo = new MatchMemo();
    const l = listing(0.7);
    expect(memo.cosine(l as typeof l & { embedding: string }, scope(0).knn!)).toBeCloseTo(0.7, 2);
    expect(memo.cosine({ ...l, embedding: 'AAAA' }, scope(0).knn!)).toBeCloseTo(0.7, 2); // memoised by id
  });
});

describe('knnScope: the bound a window records', () => {
  it('is the lowest cosine among the kNN hits less the margin, or Elasticsearch score if lower', () => {
    const s = knnScope(query, [hit(0.9), hit(0.7), hit(0.5)], 3)!;
    expect(s.minCosine).toBeCloseTo(0.5 - KNN_BOUND_MARGIN, 2);
    expect(knnScope(query, [hit(0.9), hit(0.5, 0.7)], 2)!.minCosine).toBeCloseTo(0.4 - KNN_BOUND_MARGIN, 2);
  });

  it("is 'any' when kNN found fewer than k under the filters", () => {
    expect(knnScope(query, [hit(0.9)], 100)!.minCosine).toBe('any');
  });

  it('keeps the query vector compact (int8, base64)', () => {
    expect(knnScope(query, [], 1)!.vector.length).toBeLessThan(600);
  });
});

describe('BM25 cuts of relevance windows', () => {
  const words = (patch: Partial<EntryScope> = {}): EntryScope => ({ status: 'on_sale', q: 'iphone', ...patch });

  it('leave a word match to Elasticsearch when the window had a cut, unless kNN lets it in anyway', () => {
    expect(matches(words(), listing(undefined))).toBe('words'); // no cut: any match enters
    expect(matches(words({ bm25Cut: 7.5 }), listing(undefined))).toBe('bm25_cut');
    expect(matches(words({ bm25Cut: 7.5, knn: scope(0.6).knn }), listing(0.1))).toBe('bm25_cut');
    expect(matches(words({ bm25Cut: 7.5, knn: scope(0.6).knn }), listing(0.9))).toBe('knn_bound');
    expect(matches(words({ bm25Cut: 7.5 }), listing(undefined, { text: 'garden hose' }))).toBeUndefined();
  });

  it('collect one check per listing under a cut, and return a certain cause as soon as one is found', () => {
    const cut = words({ bm25Cut: 7.5 });
    const both = [listing(undefined), listing(undefined, { id: 'l2' })];
    expect(mayEnter([cut], both, new MatchMemo())).toEqual([
      { q: 'iphone', cut: 7.5, id: both[0]!.id },
      { q: 'iphone', cut: 7.5, id: 'l2' },
    ]);
    expect(mayEnter([cut, words()], both, new MatchMemo())).toBe('words');
    expect(mayEnter([cut], [listing(undefined, { text: 'garden hose' })], new MatchMemo())).toBeUndefined();
  });
});
