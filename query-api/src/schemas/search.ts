import { Type, type Static } from '@sinclair/typebox';
import { CONDITIONS, LISTING_STATUSES, MAX_PRICE, SHIPPING_PAYERS } from '../../../core/src/index.js';

export const SORTS = ['relevance', 'newest', 'price_asc', 'price_desc', 'popular'] as const;
export const MAX_QUERY_LENGTH = 200;
export const MAX_PAGE_SIZE = 100;

const literalUnion = <T extends readonly string[]>(values: T, opts: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    opts,
  );

/** GET /v1/search and /v1/search/explain parameters. Unknown parameters are a 400 (typos surface). */
export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH, description: 'free text; empty = browse' })),
    category: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'a category name at any level, or a path "Women > Shoes"',
      }),
    ),
    brand: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'one brand or a comma-separated list' }),
    ),
    condition: Type.Optional(
      Type.String({
        pattern: `^(${CONDITIONS.join('|')})(,(${CONDITIONS.join('|')}))*$`,
        description: 'comma-separated conditions',
      }),
    ),
    price_min: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PRICE, description: 'minor units' })),
    price_max: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PRICE, description: 'minor units' })),
    shipping_payer: Type.Optional(literalUnion(SHIPPING_PAYERS)),
    status: Type.Optional(literalUnion(LISTING_STATUSES, { default: 'on_sale' })),
    sort: Type.Optional(literalUnion(SORTS, { default: 'relevance' })),
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 2000, description: 'opaque next_cursor of the previous page' })),
    rank: Type.Optional(
      literalUnion(['model', 'bm25'] as const, { default: 'model', description: 'bm25 forces the BM25 order' }),
    ),
    user_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'personalizes ranking and picks the A/B bucket' }),
    ),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

export const ListingItem = Type.Object({
  id: Type.String(),
  title: Type.String(),
  price: Type.Integer(),
  currency: Type.String(),
  brand: Type.Optional(Type.String()),
  condition: Type.String(),
  category_path: Type.Array(Type.String()),
  shipping_payer: Type.String(),
  status: Type.String(),
  seller_id: Type.String(),
  created_at: Type.String(),
  like_count: Type.Integer(),
  size: Type.Optional(Type.String()),
  color: Type.Optional(Type.String()),
  image_url: Type.Optional(Type.String()),
  score: Type.Number({ description: 'the ordering score (model score, or BM25 / sort value)' }),
});
export type ListingItem = Static<typeof ListingItem>;

const Bucket = Type.Object({ key: Type.String(), count: Type.Integer() });
const PriceBucket = Type.Object({
  key: Type.String(),
  from: Type.Optional(Type.Integer()),
  to: Type.Optional(Type.Integer()),
  count: Type.Integer(),
});

export const Facets = Type.Object({
  category: Type.Object({
    level: Type.Integer(),
    parent: Type.Union([Type.String(), Type.Null()]),
    buckets: Type.Array(Bucket),
  }),
  brand: Type.Array(Bucket),
  condition: Type.Array(Bucket),
  price: Type.Array(PriceBucket),
});
export type Facets = Static<typeof Facets>;

export const SearchResponse = Type.Object({
  query_id: Type.String(),
  items: Type.Array(ListingItem),
  total: Type.Object({ value: Type.Integer(), relation: literalUnion(['eq', 'gte'] as const) }),
  facets: Facets,
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  ranker: Type.String(),
  // Required, not optional: the serializer writes optional properties after the rest, and took_ms must stay last.
  retrieval: Type.Union([literalUnion(['hybrid', 'bm25'] as const), Type.Null()], {
    description:
      'hybrid = BM25 and the nearest listings by text embedding; bm25 = BM25 only (rank=bm25, or no embedding model); null = not a relevance search',
  }),
  // Last: cached first pages are sent as serialized bytes with only this value spliced in (serialized-pages.ts).
  took_ms: Type.Number(),
});
export type SearchResponse = Static<typeof SearchResponse>;
