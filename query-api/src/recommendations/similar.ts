import type { FastifyInstance } from 'fastify';
import { readContentCandidates, similarTextQuery, type ListingDocument } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { ON_SALE } from '../../../core/src/index.js';
import { catalogSize } from './catalog-size.js';
import { readNeighbours, type Neighbours } from './neighbours.js';
import { popularIn } from './popular-in.js';
import { FETCH, similarCandidates, type CandidateHit as Hit } from './similar-candidates.js';
import { recsWeights, type SimilarWeights } from './weights.js';

export interface SimilarItem {
  doc: ListingDocument;
  score: number;
  reasons: string[];
}

/**
 * Candidates fetched per requested item from each content source: the blend re-orders a wider set than
 * it returns. 2, not 3: on the thredUp favorites 3 found one more hidden favorite of 828 (tuning half),
 * while fetching a third more documents cost Elasticsearch ~17 % more CPU per cold list at 1M listings
 * (docs/benchmarks.md, "Similar items at 1M listings: where a cold list's CPU goes").
 */
const OVERFETCH = 2;

const inPriceBand = (price: number, reference: number) => price >= reference / 2 && price <= reference * 2;

/**
 * Similar items for a listing page, never the listing itself nor its near-duplicates (same seller
 * relisting the same title), from four candidate sources: the listings people engaged with together
 * with it (the neighbour job's list, one Redis read), its leaf category scored by text likeness,
 * size and brand (named clauses, so each hit says which matched), and the most popular listings of
 * its size and of its brand (shared, cached lists). Blended in process with the similar weights (weights.ts). A new
 * listing has no neighbours yet: content carries it alone. The leaf's content candidates come from the
 * listing's stored record when it has one (similar-candidates.ts), so a first list need not score the leaf.
 */
export async function similarListings(
  app: FastifyInstance,
  id: string,
  size: number,
): Promise<{ items: SimilarItem[]; leaf: string; sparse: boolean }> {
  const namespace = app.config.redis.namespace;
  const [catalog, neighbourLists, records] = await Promise.all([
    catalogSize(app),
    readNeighbours(app.redis, namespace, [id]),
    readContentCandidates(app.redis, namespace, [id]),
  ]);
  const neighbours = neighbourLists.get(id) ?? [];
  const n = size * OVERFETCH;
  const popular = (of: { size?: string; brand?: string }) =>
    Promise.all([
      of.size ? popularIn(app, { kind: 'size', value: of.size }, n) : Promise.resolve([]),
      of.brand ? popularIn(app, { kind: 'brand', value: of.brand }, n) : Promise.resolve([]),
    ]);
  // The shared popular lists are read beside the candidates, not after them: from the record's size and
  // brand (the listing's, unless it changed since), or from the listing as soon as it is read.
  const record = records.get(id);
  let early: { of: { size?: string; brand?: string }; lists: ReturnType<typeof popular> } | undefined;
  const startPopular = (of: { size?: string; brand?: string }) => {
    early ??= { of, lists: popular(of) };
    // Awaited below when it applies; otherwise a failure of it must not go unhandled.
    early.lists.catch(() => undefined);
  };
  if (record) startPopular(record.subject);
  const found = await similarCandidates(app, id, record, neighbours, catalog, n, startPopular);
  app.metrics.similarContent.inc({ source: found.source });
  const { doc } = found;
  const [bySize, byBrand] =
    early && early.of.size === doc.size && early.of.brand === doc.brand ? await early.lists : await popular(doc);
  const hits: Hit[] = [...found.content, ...found.neighbourHits];
  for (const d of [...bySize, ...byBrand]) hits.push({ _id: d.id, _source: d });
  let items = blend(doc, hits, neighbours, recsWeights(app).similar);
  if (items.length < size) {
    // A sparse leaf with no behaviour yet: listings that read alike anywhere.
    const more = await esCall('search', () =>
      app.es.search<ListingDocument>({
        index: app.config.elasticsearch.alias,
        size: n,
        ...FETCH,
        query: { bool: { filter: [ON_SALE], must: [similarTextQuery(doc, catalog)] } },
      }),
    );
    items = blend(doc, [...hits, ...(more.hits.hits as Hit[])], neighbours, recsWeights(app).similar);
    return { items: items.slice(0, size), leaf: doc.category_leaf, sparse: true };
  }
  return { items: items.slice(0, size), leaf: doc.category_leaf, sparse: false };
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
