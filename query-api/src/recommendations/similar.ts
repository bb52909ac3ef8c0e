import type { FastifyInstance } from 'fastify';
import { NotFoundError, type ListingDocument } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { foundSources } from '../search/mget.js';
import { ITEM_FIELDS, ON_SALE } from '../search/search-request.js';
import { catalogSize, rareTermsCap } from './catalog-size.js';

export interface SimilarItem {
  doc: ListingDocument;
  score: number;
  reasons: string[];
}

type Query = Record<string, unknown>;
type Hit = { _id?: string; _score?: number | null; _source?: ListingDocument; matched_queries?: string[] | Record<string, number> };

/** How much each signal adds to the normalized text score when candidates are blended. */
const WEIGHTS = { similar_text: 1, same_brand: 0.4, same_price_band: 0.3, popularity: 0.15 } as const;
/** Candidates fetched per requested item: the blend re-orders a wider set than it returns. */
const OVERFETCH = 2;

const inPriceBand = (price: number, reference: number) => price >= reference / 2 && price <= reference * 2;

/**
 * Similar items for a listing page: on sale, in the listing's leaf category, never the listing itself
 * nor its near-duplicates (same seller relisting the same title), scored by text likeness
 * (more_like_this on its title and brand, common terms skipped) and the same brand, as named clauses
 * so each hit says which matched. The leaf scope keeps a cold list cheap (thousands of listings, not
 * the catalog) and is what a buyer expects from "similar"; a sparse leaf falls back to text likeness
 * across the catalog. Candidates are then blended in process with price-band fit and popularity.
 */
export async function similarListings(app: FastifyInstance, id: string, size: number): Promise<SimilarItem[]> {
  const index = app.config.elasticsearch.alias;
  const [got, catalog] = await Promise.all([esCall('mget', () => app.es.mget<ListingDocument>({ index, ids: [id], _source: [...ITEM_FIELDS, 'dedup_key'] })), catalogSize(app)]);
  const [doc] = foundSources(got);
  if (!doc || (doc.status as string) === 'deleted') throw new NotFoundError(`listing ${id}`);

  const text = (name?: string): Query => ({
    more_like_this: {
      fields: ['title', 'brand.text'], like: [doc.title, doc.brand ?? ''].join(' '), min_term_freq: 1, min_doc_freq: 1,
      max_doc_freq: rareTermsCap(catalog), max_query_terms: 12, ...(name ? { _name: name } : {}),
    },
  });
  const neighbours = async (filter: Query[], clauses: { must?: Query[]; should?: Query[] }) => {
    const res = await esCall('search', () =>
      app.es.search<ListingDocument>({
        index, size: size * OVERFETCH, track_total_hits: false, _source: ITEM_FIELDS,
        query: { bool: { filter: [ON_SALE, ...filter], must_not: [{ ids: { values: [id] } }, { term: { dedup_key: doc.dedup_key } }], ...clauses } } as never,
      }),
    );
    return res.hits.hits as Hit[];
  };
  let hits = await neighbours([{ term: { category_leaf: doc.category_leaf } }], { should: [text('similar_text'), ...(doc.brand ? [{ term: { brand: { value: doc.brand, _name: 'same_brand' } } }] : [])] });
  if (hits.length < size) {
    // A sparse leaf: listings that read alike anywhere (here the text clause must match).
    const seen = new Set(hits.map((h) => h._id));
    hits = hits.concat((await neighbours([], { must: [text()] })).filter((h) => !seen.has(h._id)));
  }
  return blend(doc, hits).slice(0, size);
}

/** Orders candidates: normalized text score, then brand, price band and popularity; every reason listed. */
function blend(doc: ListingDocument, hits: Hit[]): SimilarItem[] {
  const maxScore = Math.max(...hits.map((h) => h._score ?? 0), 1e-9);
  const maxPopularity = Math.max(...hits.map((h) => Math.log1p(h._source?.popularity ?? 0)), 1e-9);
  const items = hits.map((h) => {
    const d = h._source!;
    const named = Array.isArray(h.matched_queries) ? h.matched_queries : Object.keys(h.matched_queries ?? {});
    const reasons = [
      ...(named.includes('similar_text') ? ['similar_text'] : []),
      ...(d.category_leaf === doc.category_leaf ? ['same_category'] : []),
      ...(doc.brand && d.brand === doc.brand ? ['same_brand'] : []),
      ...(inPriceBand(d.price, doc.price) ? ['same_price_band'] : []),
    ];
    const score =
      (WEIGHTS.similar_text * (h._score ?? 0)) / maxScore +
      (reasons.includes('same_brand') ? WEIGHTS.same_brand : 0) +
      (reasons.includes('same_price_band') ? WEIGHTS.same_price_band : 0) +
      (WEIGHTS.popularity * Math.log1p(d.popularity ?? 0)) / maxPopularity;
    return { doc: d, score: Math.round(score * 1e4) / 1e4, reasons };
  });
  return items.sort((a, b) => b.score - a.score || a.doc.id.localeCompare(b.doc.id));
}
