/**
 * What the search for "listings written since the record" costs as a content-candidate record ages
 * (core/src/similar-content.ts): Elasticsearch CPU per query for 300 listings' content queries narrowed
 * to the listings written after a point that covers 0.1 % ... 50 % of the index, beside the whole leaf.
 *
 *   npx tsx bench/content-record-age.ts [--listings 1000000] [--seed 9]
 *
 * Needs the index `bench/recommendations.ts --keep` leaves (alias bench-recs-<listings>): its listings
 * were written over a few minutes in id order, so a point in `indexed_at` that covers x % of the index
 * covers about x % of every leaf, as a record's age does for a catalog that changes evenly. Elasticsearch's
 * CPU is its node's (scripts/elasticsearch.sh pid): run it with nothing else querying Elasticsearch.
 */
import { contentCandidatesQuery, loadConfig, seededRandom, type ListingDocument } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { RECS_FIELDS } from '../query-api/src/recommendations/popular-in.js';
import { arg, log, processCpuMs, round, servicePid } from './support.js';

const listings = arg('listings', 1_000_000);
const seed = arg('seed', 9);
const index = `bench-recs-${listings}`;
const es = createElasticsearchClient(loadConfig({ ...process.env, ES_INDEX_ALIAS: index }).elasticsearch, {
  requestTimeout: 120_000,
});
if (!(await es.indices.existsAlias({ name: index }))) {
  log(`no index ${index}: run npx tsx bench/recommendations.ts --listings ${listings} --keep first`);
  process.exit(3);
}
const esPid = servicePid('scripts/elasticsearch.sh');
const r = seededRandom(seed);
const ids = Array.from({ length: 300 }, () => `g-31-${Math.floor(r() * listings)}`);
const docs = (await es.mget<ListingDocument>({ index, ids, _source: RECS_FIELDS })).docs.flatMap((d) =>
  'found' in d && d.found && d._source ? [d._source] : [],
);
const percentiles = [50, 80, 95, 99, 99.9];
const stats = await es.search({
  index,
  size: 0,
  aggs: { written: { percentiles: { field: 'indexed_at', percents: percentiles } } },
});
const points = (stats.aggregations!.written as { values: Record<string, number> }).values;
const cuts: Array<[string, number | undefined]> = [
  ['whole leaf', undefined],
  ...percentiles.reverse().map((p) => [`${round(100 - p, 1)} %`, points[p.toFixed(1)]] as [string, number]),
];

const results: Array<{ written_since_covers: string; elasticsearch_cpu_ms_per_query: number; took_ms_mean: number }> =
  [];
// Two rounds: the first warms caches, the second is reported.
for (const round_ of [0, 1]) {
  for (const [name, since] of cuts) {
    const cpu0 = processCpuMs(esPid);
    let took = 0;
    for (const doc of docs) {
      const filter = since ? [{ range: { indexed_at: { gte: Math.floor(since), format: 'epoch_millis' } } }] : [];
      const res = await es.search({
        index,
        size: 24,
        track_total_hits: false,
        _source: RECS_FIELDS,
        query: contentCandidatesQuery(doc, listings, filter),
      });
      took += res.took;
    }
    if (round_ === 1)
      results.push({
        written_since_covers: name,
        elasticsearch_cpu_ms_per_query: round((processCpuMs(esPid) - cpu0) / docs.length, 2),
        took_ms_mean: round(took / docs.length, 2),
      });
  }
}
await es.close();
process.stdout.write(
  `${JSON.stringify({ benchmark: 'content-record-age', index, listings: docs.length, results }, null, 2)}\n`,
);
