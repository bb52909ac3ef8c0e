import type { estypes } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import {
  candidatesFromHits,
  contentCandidatesQuery,
  contentKey,
  NotFoundError,
  readContentCandidates,
  similarTextQuery,
  storeContentCandidates,
  type ContentCandidates,
  type ListingDocument,
} from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { foundSources } from '../search/mget.js';
import { ON_SALE } from '../search/search-request.js';
import { catalogSize } from './catalog-size.js';
import { readNeighbours, type Neighbours } from './neighbours.js';
import { popularIn, RECS_FIELDS } from './popular-in.js';
import { recsWeights, type SimilarWeights } from './weights.js';

export interface SimilarItem {
  doc: ListingDocument;
  score: number;
  reasons: string[];
}

type Hit = {
  _id?: string | null;
  _score?: number | null;
  _source?: ListingDocument;
  matched_queries?: string[] | Record<string, number>;
};

/**
 * Candidates fetched per requested item from each content source: the blend re-orders a wider set than
 * it returns. 2, not 3: on the thredUp favorites 3 found one more hidden favorite of 828 (tuning half),
 * while fetching a third more documents cost Elasticsearch ~17 % more CPU per cold list at 1M listings
 * (docs/benchmarks.md, "Similar items at 1M listings: where a cold list's CPU goes").
 */
const OVERFETCH = 2;

/**
 * A record stands for the leaf's scoring for an hour: after that the leaf is scored in full again and
 * the record rewritten, which bounds both the search for listings written since (it grows with the
 * record's age) and how far the record's scores drift from the catalog's current term statistics.
 */
const RECORD_MAX_AGE_MS = 3_600_000;
/**
 * Listings written this long before a record was computed may not have been searchable yet: the
 * index refresh (1 s by default) plus clock skew between the indexer and the API.
 */
const RECORD_LOOKBACK_MS = 2_500;
/** The record's best candidates read per list: 1.5 per one needed, for those sold since. */
const RECORD_READ_SHARE = 1.5;

const inPriceBand = (price: number, reference: number) => price >= reference / 2 && price <= reference * 2;

/**
 * Similar items for a listing page, never the listing itself nor its near-duplicates (same seller
 * relisting the same title), from four candidate sources: the listings people engaged with together
 * with it (the neighbour job's list, one Redis read), its leaf category scored by text likeness,
 * size and brand (named clauses, so each hit says which matched), and the most popular listings of
 * its size and of its brand (shared, cached lists). Blended in process with the similar weights (weights.ts). A new
 * listing has no neighbours yet: content carries it alone.
 */
export async function similarListings(
  app: FastifyInstance,
  id: string,
  size: number,
): Promise<{ items: SimilarItem[]; leaf: string; sparse: boolean }> {
  const index = app.config.elasticsearch.alias;
  const namespace = app.config.redis.namespace;
  const [got, catalog, neighbourLists, records] = await Promise.all([
    esCall('mget', () => app.es.mget<ListingDocument>({ index, ids: [id], _source: RECS_FIELDS })),
    catalogSize(app),
    readNeighbours(app.redis, namespace, [id]),
    readContentCandidates(app.redis, namespace, [id]),
  ]);
  const [doc] = foundSources(got);
  if (!doc || (doc.status as string) === 'deleted') throw new NotFoundError(`listing ${id}`);
  const neighbours = neighbourLists.get(id) ?? [];
  const n = size * OVERFETCH;
  const record = usableRecord(records.get(id), doc, n);
  app.metrics.similarContent.inc({ source: record ? 'record' : 'computed' });

  const fetch = { track_total_hits: false, _source: RECS_FIELDS };
  const recordIds = record ? record.c.slice(0, Math.ceil(n * RECORD_READ_SHARE)).map(([x]) => x) : [];
  const byIds = [...new Set([...recordIds, ...neighbours.map((x) => x.id)])];
  // The content search: the whole leaf scored, or with a record only the listings written since it was
  // computed (the index refresh and clock skew before it included), scored by the very same query.
  const since = record
    ? [{ range: { indexed_at: { gte: new Date(record.at - RECORD_LOOKBACK_MS).toISOString() } } }]
    : [];
  const searches: estypes.MsearchRequestItem[] = [
    { index },
    { ...fetch, size: n, query: contentCandidatesQuery(doc, catalog, since) },
  ];
  if (byIds.length > 0) {
    searches.push(
      { index },
      { ...fetch, size: byIds.length, query: { bool: { filter: [ON_SALE, { ids: { values: byIds } }] } } },
    );
  }
  const computedAt = Date.now();
  const [res, bySize, byBrand] = await Promise.all([
    esCall('msearch', () => app.es.msearch<ListingDocument>({ searches })),
    doc.size ? popularIn(app, `size:${doc.size}`, [{ term: { size: doc.size } }], n) : Promise.resolve([]),
    doc.brand ? popularIn(app, `brand:${doc.brand}`, [{ term: { brand: doc.brand } }], n) : Promise.resolve([]),
  ]);
  const [leafHits, idHits] = res.responses.map((r) => ('hits' in r ? (r.hits.hits as Hit[]) : []));
  let content: Hit[];
  if (record) {
    content = mergeWithRecord(record, leafHits ?? [], idHits ?? [], n);
  } else {
    content = leafHits ?? [];
    // Stored for the next list of this listing (after a change drops this one, or on another pod). A
    // failed write costs only that: the list is served all the same.
    await storeContentCandidates(app.redis, namespace, [[id, candidatesFromHits(doc, content, n, computedAt)]]).catch(
      (err: Error) => app.log.warn({ err: err.message, id }, 'similar: content candidates not stored'),
    );
  }
  const together = new Set(neighbours.map((x) => x.id));
  const hits = [...content, ...(idHits ?? []).filter((h) => together.has(h._id ?? ''))];
  for (const d of [...bySize, ...byBrand]) hits.push({ _id: d.id, _source: d });
  let items = blend(doc, hits, neighbours, recsWeights(app).similar);
  if (items.length < size) {
    // A sparse leaf with no behaviour yet: listings that read alike anywhere.
    const more = await esCall('search', () =>
      app.es.search<ListingDocument>({
        index,
        size: n,
        ...fetch,
        query: { bool: { filter: [ON_SALE], must: [similarTextQuery(doc, catalog)] } },
      }),
    );
    items = blend(doc, [...hits, ...(more.hits.hits as Hit[])], neighbours, recsWeights(app).similar);
    return { items: items.slice(0, size), leaf: doc.category_leaf, sparse: true };
  }
  return { items: items.slice(0, size), leaf: doc.category_leaf, sparse: false };
}

/**
 * The stored record, when it can stand for scoring the whole leaf: computed from the listing as it
 * reads now, recently enough, with enough candidates (or all the leaf had).
 */
function usableRecord(record: ContentCandidates | undefined, doc: ListingDocument, n: number) {
  if (!record || record.key !== contentKey(doc) || Date.now() - record.at > RECORD_MAX_AGE_MS) return undefined;
  return record.kept >= n || record.c.length < record.kept ? record : undefined;
}

/**
 * The leaf's best `n` now: the record's candidates still on sale (their stored score; `similar_text`
 * when their text matched) and the listings written since, by their new score where both have one.
 */
function mergeWithRecord(record: ContentCandidates, sinceHits: Hit[], idHits: Hit[], n: number): Hit[] {
  const found = new Map(idHits.map((h) => [h._id, h]));
  const byId = new Map<string, Hit & { score: number }>();
  for (const [x, score, text] of record.c) {
    const h = found.get(x);
    if (h) byId.set(x, { ...h, score, matched_queries: text ? ['similar_text'] : [] });
  }
  for (const h of sinceHits) if (h._id) byId.set(h._id, { ...h, score: h._score ?? 0 });
  return [...byId.values()].sort((a, b) => b.score - a.score).slice(0, n);
}

/** Orders candidates by the similar weights; every reason that holds is listed. */
export function blend(doc: ListingDocument, hits: Hit[], neighbours: Neighbours, w: SimilarWeights): SimilarItem[] {
  const together = new Map(neighbours.map((x) => [x.id, x.score]));
  const byId = new Map<string, { d: ListingDocument; named: Set<string> }>();
  for (const h of hits) {
    const d = h._source;
    if (!d || d.id === doc.id || d.dedup_key === doc.dedup_key || d.status !== 'on_sale') continue;
    const names = Array.isArray(h.matched_queries) ? h.matched_queries : Object.keys(h.matched_queries ?? {});
    const seen = byId.get(d.id) ?? { d, named: new Set<string>() };
    for (const name of names) seen.named.add(name);
    byId.set(d.id, seen);
  }
  const maxPopularity = Math.max(...[...byId.values()].map((c) => c.d.popularity ?? 0), 1e-9);
  const items = [...byId.values()].map(({ d, named }) => {
    const reasons = [
      ...(together.has(d.id) ? ['liked_together'] : []),
      ...(named.has('similar_text') ? ['similar_text'] : []),
      ...(d.category_leaf === doc.category_leaf ? ['same_category'] : []),
      ...(doc.brand && d.brand === doc.brand ? ['same_brand'] : []),
      ...(doc.size && d.size === doc.size ? ['same_size'] : []),
      ...(inPriceBand(d.price, doc.price) ? ['same_price_band'] : []),
    ];
    const score =
      w.liked_together * (together.get(d.id) ?? 0) +
      (reasons.includes('same_size') ? w.same_size : 0) +
      (reasons.includes('same_brand') ? w.same_brand : 0) +
      (reasons.includes('same_category') ? w.same_category : 0) +
      (reasons.includes('similar_text') ? w.similar_text : 0) +
      (w.popularity * (d.popularity ?? 0)) / maxPopularity;
    return { doc: d, score: Math.round(score * 1e4) / 1e4, reasons };
  });
  return items.sort((a, b) => b.score - a.score || a.doc.id.localeCompare(b.doc.id));
}
