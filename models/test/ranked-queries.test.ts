import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  condensedNdcg,
  judgedShare,
  judgingPool,
  ndcgAtK,
  ndcgIfPoolGraded,
  type RankedCandidate,
} from '../evaluation/offline-metrics.js';
import { poolRows, rankQueries, readExport, type ExportedCandidate } from '../evaluation/ranked-queries.js';

const c = (docid: string, rating: number | null): RankedCandidate => ({ docid, rating });
const row = (
  query: string,
  docid: string,
  rating: number | null,
  bm25_rank: number,
  score: number,
): ExportedCandidate => ({ query, docid, rating, bm25_rank, features: [score], title: `title of ${docid}` });
/** Scores a row by its one feature, as the ONNX ranker scores a row by its feature vector. */
const byFirstFeature = { score: async (features: number[][]) => features.map((f) => f[0]!) };

describe('judgment coverage of a ranked list', () => {
  const ranked = [c('a', null), c('b', 3), c('c', null), c('d', 0), c('e', 2)];

  it('judged@k is the share of the top k that raters graded', () => {
    expect(judgedShare(ranked, 2)).toBe(0.5);
    expect(judgedShare(ranked, 10)).toBe(3 / 5);
    expect(judgedShare([], 10)).toBe(1);
  });

  it('condensed NDCG leaves unjudged candidates out instead of counting them as 0', () => {
    expect(condensedNdcg(ranked)).toBe(ndcgAtK([3, 0, 2]));
    expect(condensedNdcg(ranked)).toBeGreaterThan(ndcgIfPoolGraded(ranked, new Set(['a', 'c']), 0));
  });

  it('pools the unjudged candidates of every order top k once, and grades only those', () => {
    const other = [c('e', 2), c('f', null), c('a', null), c('g', null)];
    expect(judgingPool([ranked, other], 3)).toEqual(['a', 'c', 'f']);
    const pool = new Set(['a', 'c']);
    // a and c take the assumed grade; g, unjudged outside the pool, stays 0
    expect(ndcgIfPoolGraded([...ranked, c('g', null)], pool, 3)).toBe(ndcgAtK([3, 3, 3, 0, 2, 0]));
    expect(ndcgIfPoolGraded(ranked, pool, 0)).toBe(ndcgAtK([0, 3, 0, 0, 2]));
  });
});

describe('ranking exported candidates', () => {
  const rows = [
    row('lamp', 'l1', 0, 0, 0.1),
    row('lamp', 'l2', null, 1, 0.9),
    row('lamp', 'l3', 3, 2, 0.9),
    row('lamp', 'l4', null, 3, 0.5),
    row('void', 'v1', 0, 0, 1),
    row('void', 'v2', null, 1, 2),
  ];

  it('orders each query by score (ties in BM25 order) and by BM25, leaving out queries without a relevant judged candidate', async () => {
    const ranked = await rankQueries(rows, byFirstFeature, () => true);
    expect(ranked.map((q) => q.query)).toEqual(['lamp']);
    expect(ranked[0]!.byModel.map((r) => r.docid)).toEqual(['l2', 'l3', 'l4', 'l1']);
    expect(ranked[0]!.byBm25.map((r) => r.docid)).toEqual(['l1', 'l2', 'l3', 'l4']);
    expect(await rankQueries(rows, byFirstFeature, (q) => q !== 'lamp')).toEqual([]);
  });

  it('lists the pool for raters with an empty grade and the title, each candidate once', async () => {
    const ranked = await rankQueries(rows, byFirstFeature, () => true);
    expect(poolRows(ranked, 2)).toEqual([{ query: 'lamp', docid: 'l2', rating: '', title: 'title of l2' }]);
    expect(poolRows(ranked, 10).map((r) => r.docid)).toEqual(['l2', 'l4']);
  });

  it('reads an export line by line, a candidate without a rating as unjudged, and names the command when it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-'));
    const path = join(dir, 'judged.jsonl');
    const lines = [
      { query: 'q', docid: '1', rating: 2, bm25_rank: 0, features: [1] },
      { query: 'q', docid: '2', rating: null, bm25_rank: 1, features: [0] },
      { query: 'q', docid: '3', bm25_rank: 2, features: [0] },
    ];
    writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n\n`);
    expect(readExport(path).map((r) => r.rating)).toEqual([2, null, null]);
    expect(() => readExport(join(dir, 'missing.jsonl'))).toThrow(/train-model/);
  });
});
