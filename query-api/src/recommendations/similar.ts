import type { FastifyInstance } from 'fastify';
import { NotFoundError, type ListingDocument } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { SOURCE_FIELDS } from '../search/search-request.js';

export interface SimilarItem {
  doc: ListingDocument;
  score: number;
  reasons: string[];
}

/**
 * Terms in more listings than this say little about similarity ("size", colors) and are the costly
 * ones to score: more_like_this skips them.
 */
const MLT_MAX_DOC_FREQ = 50_000;

const WEIGHTS = { similar_text: 1, same_category_price_band: 0.6, same_brand: 0.4 } as const;
type Source = keyof typeof WEIGHTS;

/**
 * Similar items for a listing page: candidates from text similarity (more_like_this on title, brand and
 * category), the same leaf category within a price band, and the same brand; on sale only; never the
 * listing itself nor its near-duplicates (same seller relisting the same title). Each source's scores
 * are normalized to [0, 1] and blended; an item found by several sources ranks higher and lists every reason.
 */
export async function similarListings(app: FastifyInstance, id: string, size: number): Promise<SimilarItem[]> {
  const index = app.config.elasticsearch.alias;
  const got = await esCall('mget', () => app.es.mget<ListingDocument>({ index, ids: [id] }));
  const first = got.docs[0];
  const doc = first && 'found' in first && first.found ? first._source : undefined;
  if (!doc || (doc.status as string) === 'deleted') throw new NotFoundError(`listing ${id}`);

  const exclude = { bool: { must_not: [{ ids: { values: [id] } }, { term: { dedup_key: doc.dedup_key } }], filter: [{ term: { status: 'on_sale' } }] } };
  const queries: Array<[Source, Record<string, unknown>]> = [
    ['similar_text', { bool: { ...exclude.bool, must: [{ more_like_this: { fields: ['title', 'brand.text', 'category_text'], like: [{ _index: (got.docs[0] as { _index: string })._index, _id: id }], min_term_freq: 1, min_doc_freq: 1, max_doc_freq: MLT_MAX_DOC_FREQ, max_query_terms: 12, minimum_should_match: '30%' } }] } }],
    ['same_category_price_band', { function_score: { query: { bool: { ...exclude.bool, filter: [...exclude.bool.filter, { term: { category_leaf: doc.category_leaf } }, { range: { price: { gte: Math.floor(doc.price / 2), lte: doc.price * 2 } } }] } }, field_value_factor: { field: 'popularity', modifier: 'log1p', missing: 0 } } }],
  ];
  if (doc.brand) queries.push(['same_brand', { function_score: { query: { bool: { ...exclude.bool, filter: [...exclude.bool.filter, { term: { brand: doc.brand } }, { term: { category_l0: doc.category_l0 } }] } }, field_value_factor: { field: 'popularity', modifier: 'log1p', missing: 0 } } }]);

  const res = await esCall('msearch', () =>
    app.es.msearch<ListingDocument>({ searches: queries.flatMap(([, query]) => [{ index }, { query, size: size * 2, _source: SOURCE_FIELDS.concat(['dedup_key']) }]) }),
  );
  const merged = new Map<string, SimilarItem>();
  res.responses.forEach((r, i) => {
    if (!('hits' in r)) return;
    const source = queries[i]![0];
    const max = Math.max(...r.hits.hits.map((h) => h._score ?? 0), 1e-9);
    for (const h of r.hits.hits) {
      const item = merged.get(h._id!) ?? { doc: h._source!, score: 0, reasons: [] };
      item.score += WEIGHTS[source] * ((h._score ?? 0) / max);
      item.reasons.push(source);
      merged.set(h._id!, item);
    }
  });
  return [...merged.values()].sort((a, b) => b.score - a.score || a.doc.id.localeCompare(b.doc.id)).slice(0, size);
}
