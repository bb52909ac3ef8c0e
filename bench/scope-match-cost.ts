/**
 * What the cache's per-change pass costs (ResultCache.changeSearchable: every cached entry's scope
 * against the changed listings, entry-scope.ts), with and without the kNN part of relevance scopes.
 * In process, no services: `--entries` relevance entries from the search mix (bench/query-mix.ts, the
 * Zipf-free mix of head, torso and tail queries with their filters), each with its query's real
 * embedding (all-MiniLM-L6-v2) and a cosine bound as a window would record it (the k-th cosine over a
 * generated catalog of `--catalog` listings, less the margin); changed listings are other generated
 * listings with their real vectors, `--batch` per pass (one notification). Prints JSON.
 *
 *   npx tsx bench/scope-match-cost.ts [--entries 30000] [--passes 200] [--batch 1] [--catalog 3000] [--k 100]
 *
 * Two scope sets are timed over the same passes: words only (the code before kNN scopes) and words
 * plus kNN; "distinct" gives every entry a vector of its own (no two entries share a query, so the
 * per-pass memo never helps: the worst case); "vector_only_pass" is the pass a listing's vector
 * announcement makes (ChangedListing.vectorOnly: filters and cosine, no words).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toListingDocument } from '../core/src/index.js';
import {
  quantizeEmbedding,
  listingEmbeddingText,
  TextEmbedder,
  type EmbeddingRole,
} from '../core/src/text-embedder.js';
import { generateListings } from '../indexer/src/sources/generator.js';
import {
  MatchMemo,
  mayEnter,
  toChangedListing,
  type ChangedListing,
  type EntryScope,
} from '../query-api/src/cache/entry-scope.js';
import { KNN_BOUND_MARGIN } from '../query-api/src/search/hybrid-retrieval.js';
import { resultScope } from '../query-api/src/search/search-request.js';
import { queryMix } from './query-mix.js';
import { arg, log, percentile, root, round } from './support.js';

const entries = arg('entries', 30_000);
const passes = arg('passes', 200);
const batch = arg('batch', 1);
const catalogSize = arg('catalog', 3000);
const k = arg('k', 100);
const modelDir = join(root, '.data/models/all-minilm-l6-v2-q');
if (!existsSync(join(modelDir, 'model.onnx'))) {
  process.stderr.write(`no embedding model in ${modelDir} (run scripts/fetch-embedding-model.sh)\n`);
  process.exit(3);
}
const embedder = await TextEmbedder.load({ dir: modelDir, threads: 1 });
const embedAll = async (texts: string[], role: EmbeddingRole) => {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 64) out.push(...(await embedder.embed(texts.slice(i, i + 64), role)));
  return out;
};

const mix = queryMix(entries, 5);
const distinctQueries = [...new Set(mix.map((m) => m.params.q!))];
log(`embedding ${distinctQueries.length} distinct queries and ${catalogSize + passes * batch} listings`);
const queryVectors = new Map((await embedAll(distinctQueries, 'query')).map((v, i) => [distinctQueries[i]!, v]));
const catalog = await embedAll(
  [...generateListings({ count: catalogSize, seed: 21 })].map(listingEmbeddingText),
  'listing',
);
const changedRaw = [...generateListings({ count: passes * batch, seed: 22 })].map((l) => ({
  ...l,
  status: 'on_sale' as const,
}));
const changedVectors = await embedAll(changedRaw.map(listingEmbeddingText), 'listing');
const changed: ChangedListing[] = changedRaw.map((l, i) => ({
  ...toChangedListing({
    ...toListingDocument(l, 1, l.updated_at),
    embedding_int8: quantizeEmbedding(changedVectors[i]!),
  }),
  id: `changed-${i}`,
}));
await embedder.close();

/** The k-th highest cosine over the catalog: what the window's farthest kNN hit would have. */
const boundOf = (v: Float32Array) => {
  const cosines = catalog.map((c) => c.reduce((s, x, d) => s + x * v[d]!, 0)).sort((a, b) => b - a);
  return cosines.length < k ? ('any' as const) : cosines[k - 1]! - KNN_BOUND_MARGIN;
};
const bounds = new Map([...queryVectors].map(([q, v]) => [q, boundOf(v)]));
const quantized = new Map([...queryVectors].map(([q, v]) => [q, quantizeEmbedding(v)]));
// As the route parses them: price bounds are numbers.
const words: EntryScope[][] = mix.map((m) => [
  resultScope({ ...m.params, ...(m.params.price_max ? { price_max: Number(m.params.price_max) } : {}) }),
]);
const withKnn: EntryScope[][] = mix.map((m, i) => [
  { ...words[i]![0]!, knn: { vector: quantized.get(m.params.q!)!, minCosine: bounds.get(m.params.q!)! } },
]);
// Every entry its own vector: the same direction, one dimension nudged, so no two strings are equal.
const distinct: EntryScope[][] = mix.map((m, i) => {
  const v = Float32Array.from(queryVectors.get(m.params.q!)!);
  v[i % v.length]! += 1e-3 * (1 + (i % 7));
  return [{ ...withKnn[i]![0]!, knn: { vector: quantizeEmbedding(v), minCosine: bounds.get(m.params.q!)! } }];
});

/** Counts the cosines the pass asks for (memo hits included): how many entries got past filters and words. */
class CountingMemo extends MatchMemo {
  lookups = 0;
  override cosine(listing: ChangedListing & { embedding: string }, knn: NonNullable<EntryScope['knn']>): number {
    this.lookups++;
    return super.cosine(listing, knn);
  }
}

function timePasses(scopes: EntryScope[][], vectorOnly = false) {
  const ms: number[] = [];
  let matched = 0;
  let lookups = 0;
  for (let p = 0; p < passes; p++) {
    const listings = changed.slice(p * batch, (p + 1) * batch).map((l) => (vectorOnly ? { ...l, vectorOnly } : l));
    const memo = new CountingMemo();
    const started = performance.now();
    for (const s of scopes) if (mayEnter(s, listings, memo)) matched++;
    ms.push(performance.now() - started);
    lookups += memo.lookups;
  }
  ms.sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return {
    ms_per_pass: { p50: round(percentile(ms, 50), 3), p99: round(percentile(ms, 99), 3), max: round(ms.at(-1)!, 3) },
    us_per_entry_mean: round((mean * 1000) / scopes.length, 4),
    entries_matched_per_pass: round(matched / passes, 1),
    cosine_lookups_per_pass: round(lookups / passes, 1),
    // One pass per notification: 2.6 new listings/s (one each) and a 10x peak.
    cpu_share_of_one_core: { at_2_6_per_s: round((mean * 2.6) / 1000, 4), at_26_per_s: round((mean * 26) / 1000, 4) },
  };
}

// Warm-up (JIT) on every set, then the measured passes, words first.
for (const s of [words, withKnn, distinct]) timePasses(s.slice(0, 2000));
const result = {
  entries,
  distinct_queries: distinctQueries.length,
  listings_per_pass: batch,
  passes,
  knn_bound: { k, catalog: catalogSize, any: [...bounds.values()].filter((b) => b === 'any').length },
  scope_json_bytes: {
    words: round(JSON.stringify(words[0]).length, 0),
    with_knn: round(JSON.stringify(withKnn[0]).length, 0),
  },
  words_only: timePasses(words),
  with_knn: timePasses(withKnn),
  with_knn_every_vector_distinct: timePasses(distinct),
  // The second announcement of a new listing (its vector, once kNN sees it): filters and cosine only.
  vector_only_pass: timePasses(withKnn, true),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
