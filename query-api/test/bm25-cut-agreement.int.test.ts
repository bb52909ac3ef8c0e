import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { generateListings } from '../../indexer/src/sources/generator.js';
import { queryMix } from '../../bench/query-mix.js';
import type { Listing } from '../../core/src/index.js';
import { checksAtOrAboveCut } from '../src/cache/bm25-cut.js';
import type { Bm25Check } from '../src/cache/entry-scope.js';
import type { SearchQuery } from '../src/schemas/search.js';
import { bm25Scores } from '../src/search/bm25-scores.js';
import { buildQuery } from '../src/search/search-request.js';
import { dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { indexListings } from './fixtures.js';

// The BM25 cut must never keep a cached window that a listing has entered: that would hide it until
// the entry expires. Checked against Elasticsearch itself: windows of the bench's query mix are cut,
// new listings arrive, and every one the same search now puts in the window must be found at or above
// the cut by the check the cache runs (bm25-scores.ts + bm25-cut.ts).
const config = testConfig();
const es = esClient(config);
const alias = config.elasticsearch.alias;
const WINDOW = 40;
const all = [...generateListings({ count: 1800, seed: 13 })];
const [first, later] = [all.slice(0, 1500), all.slice(1500)] as [Listing[], Listing[]];

beforeAll(async () => {
  await ensureListingsIndex(es, config.elasticsearch);
  await indexListings(es, alias, first);
});
afterAll(async () => {
  await dropIndices(es, alias);
  await es.close();
});

const top = async (p: SearchQuery) =>
  (await es.search({ index: alias, query: buildQuery(p), size: WINDOW, _source: false })).hits.hits;

describe('BM25 cut agrees with Elasticsearch', () => {
  it('finds at or above the cut every new listing a search now puts in the window, and keeps the rest', async () => {
    const queries = queryMix(120, 6).map(
      (m) => ({ ...m.params, price_max: m.params.price_max ? Number(m.params.price_max) : undefined }) as SearchQuery,
    );
    // The windows as cached: those whose BM25 list was cut keep their lowest score.
    const cuts = new Map<SearchQuery, number>();
    for (const p of queries) {
      const hits = await top(p);
      if (hits.length === WINDOW) cuts.set(p, hits.at(-1)!._score!);
    }
    expect(cuts.size).toBeGreaterThan(20);
    await indexListings(es, alias, later);
    const laterIds = new Set(later.map((l) => l.id));

    let entered = 0;
    let kept = 0;
    const missed: string[] = [];
    for (const [p, cut] of cuts) {
      const now = new Set((await top(p)).map((h) => h._id!));
      // What the pass asks for: the new listings the query matches (a superset is fine; the check scores them).
      const matching = await es.search({
        index: alias,
        query: { bool: { must: [buildQuery(p)], filter: [{ ids: { values: [...laterIds] } }] } },
        size: later.length,
        _source: false,
      });
      const checks: Bm25Check[] = matching.hits.hits.map((h) => ({ q: p.q!, cut, id: h._id! }));
      if (checks.length === 0) continue;
      const at = await checksAtOrAboveCut(checks, (byQuery) => bm25Scores(es, alias, byQuery));
      expect(at).not.toBeNull();
      for (const c of checks) {
        if (now.has(c.id)) {
          entered++;
          if (!at!.has(c)) missed.push(`${p.q}: ${c.id}`);
        } else if (!at!.has(c)) kept++;
      }
    }
    expect(missed, 'new listings in the window that the check kept out').toEqual([]);
    expect(entered).toBeGreaterThan(0);
    // Not a check that always says "entered": most matches of a cut window stay under it.
    expect(kept).toBeGreaterThan(entered);
  });
});
