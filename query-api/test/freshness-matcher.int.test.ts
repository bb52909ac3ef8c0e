import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { generateListings } from '../../indexer/src/sources/generator.js';
import { readMercariUsCsv } from '../../indexer/src/sources/mercari-us-csv.js';
import { queryMix } from '../../bench/query-mix.js';
import { seededRandom, type Listing, type ListingDocument } from '../../core/src/index.js';
import { CHANGED_LISTING_FIELDS, MatchMemo, scopeMatches, toChangedListing } from '../src/cache/entry-scope.js';
import type { SearchQuery } from '../src/schemas/search.js';
import { buildQuery, resultScope } from '../src/search/search-request.js';
import { dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { FIXED, indexListings } from './fixtures.js';

// The cache's freshness matcher must never say "cannot match" where Elasticsearch matches: that
// would hide a new listing behind a cached page. Checked here against Elasticsearch itself, on the
// demo vocabulary, typos, synonyms and filters, and on real Mercari listings when ../shared is there.
const config = testConfig();
const es = esClient(config);
const alias = config.elasticsearch.alias;
const mercariFile = resolve(import.meta.dirname, '../../../shared/data/mercari-us/mercari.csv');
let docs: Map<string, ListingDocument>;
let changed: Map<string, ReturnType<typeof toChangedListing>>;

beforeAll(async () => {
  await ensureListingsIndex(es, config.elasticsearch);
  const listings: Listing[] = [...FIXED, ...generateListings({ count: 1500, seed: 5 })];
  if (existsSync(mercariFile))
    for await (const row of readMercariUsCsv(createReadStream(mercariFile)))
      if (row.ok) listings.push(row.listing);
      else console.warn(`freshness matcher: ${mercariFile} is absent; checking on generated listings only`);
  await indexListings(es, alias, listings);
  const all = await es.search<ListingDocument>({
    index: alias,
    size: 10_000,
    query: { match_all: {} },
    _source: CHANGED_LISTING_FIELDS,
  });
  docs = new Map(all.hits.hits.map((h) => [h._id!, h._source!]));
  changed = new Map([...docs].map(([id, doc]) => [id, toChangedListing(doc)]));
});
afterAll(async () => {
  await dropIndices(es, alias);
  await es.close();
});

/** One typo past the first letter, in the longest word: what the search's fuzziness forgives. */
function withTypo(q: string, r: () => number): string {
  const words = q.split(' ');
  const i = words.reduce((best, w, k) => (w.length > words[best]!.length ? k : best), 0);
  const w = words[i]!;
  if (w.length < 5) return q;
  const at = 1 + Math.floor(r() * (w.length - 2));
  words[i] = w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2);
  return words.join(' ');
}

function queries(): SearchQuery[] {
  const r = seededRandom(9);
  const mix = queryMix(150, 4).map(
    (m) => ({ ...m.params, price_max: m.params.price_max ? Number(m.params.price_max) : undefined }) as SearchQuery,
  );
  const real = [
    'iphone case',
    'nike running shoes',
    'lululemon leggings',
    'vintage t-shirt',
    'levis jeans',
    'cell phone',
    'hooded sweatshirt',
    "o'neill",
    'playstation 5',
    'apple watch band',
  ];
  return [...mix, ...mix.slice(0, 60).map((m) => ({ ...m, q: withTypo(m.q ?? '', r) })), ...real.map((q) => ({ q }))];
}

describe('freshness matcher agrees with Elasticsearch', () => {
  it('says "may match" for every listing Elasticsearch matches, and "no" for most others', async () => {
    let matched = 0;
    let falsePositives = 0;
    let negatives = 0;
    const misses: string[] = [];
    for (const q of queries()) {
      const res = await es.search({
        index: alias,
        size: 10_000,
        query: buildQuery(q),
        _source: false,
        track_total_hits: false,
      });
      const hits = new Set(res.hits.hits.map((h) => h._id!));
      const scope = resultScope(q);
      const memo = new MatchMemo();
      for (const [id, doc] of docs) {
        const says = scopeMatches(scope, changed.get(id)!, memo);
        if (hits.has(id)) {
          matched++;
          if (!says)
            misses.push(
              `${JSON.stringify(q)} -> ${id} "${doc.title}" ${JSON.stringify({ ...changed.get(id)!, terms: [...changed.get(id)!.terms] })}`,
            );
        } else {
          negatives++;
          if (says) falsePositives++;
        }
      }
    }
    console.info(
      `freshness matcher: ${matched} matches checked, false-positive rate ${(falsePositives / negatives).toFixed(4)} of ${negatives}`,
    );
    expect(matched).toBeGreaterThan(1000);
    expect(misses.slice(0, 10)).toEqual([]);
    expect(falsePositives / negatives).toBeLessThan(0.05);
  });
});
