import type { Listing } from './schemas/listing.js';

/** Price buckets in major units; coarse on purpose (facets and a ranking feature). */
export const PRICE_BUCKETS = [
  { key: 'under_10', to: 1000 },
  { key: '10_25', from: 1000, to: 2500 },
  { key: '25_50', from: 2500, to: 5000 },
  { key: '50_100', from: 5000, to: 10000 },
  { key: '100_250', from: 10000, to: 25000 },
  { key: '250_500', from: 25000, to: 50000 },
  { key: '500_plus', from: 50000 },
] as const;

/** What Elasticsearch stores for a listing: the listing plus fields derived at index time. */
export interface ListingDocument extends Listing {
  category_l0: string;
  category_l1?: string;
  category_l2?: string;
  category_leaf: string;
  category_text: string;
  price_bucket: string;
  /** log-scaled engagement; the raw counts stay for ranking features. */
  popularity: number;
  /** seller + normalized title: relists of the same thing by the same seller share it. */
  dedup_key: string;
  suggest: { input: string[]; weight: number };
  version: number;
  emitted_at: string;
  indexed_at: string;
  /** Unit-length text embedding (index-definition.ts); absent until the indexer's embedding step wrote it. */
  embedding?: number[];
  /** The embedding quantized for the query path (quantizeEmbedding); written with `embedding`. */
  embedding_int8?: string;
}

export function priceBucket(price: number): string {
  for (const b of PRICE_BUCKETS) {
    if (('from' in b ? price >= b.from : true) && ('to' in b ? price < b.to : true)) return b.key;
  }
  return '500_plus';
}

export function popularityOf(likeCount: number, viewCount: number): number {
  // A like says more than a view; log keeps a viral listing from dwarfing everything.
  return Math.round(Math.log1p(likeCount * 5 + viewCount) * 1000) / 1000;
}

export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * What a delete leaves in the index: a versioned tombstone, not a removal. Elasticsearch forgets the
 * version of a removed document after `index.gc_deletes` (60 s), after which an older upsert replayed late
 * would resurrect it; a tombstone keeps its version for good, so replaying the whole stream is safe.
 * Every read filters on `status` (on_sale by default), which a tombstone never matches.
 */
export interface ListingTombstone {
  id: string;
  status: 'deleted';
  version: number;
  emitted_at: string;
  indexed_at: string;
}

export function toTombstone(id: string, version: number, emittedAt: string, now = new Date()): ListingTombstone {
  return { id, status: 'deleted', version, emitted_at: emittedAt, indexed_at: now.toISOString() };
}

/** Pure: the same listing, version and emit time always give the same document (except indexed_at). */
export function toListingDocument(
  listing: Listing,
  version: number,
  emittedAt: string,
  now = new Date(),
): ListingDocument {
  const path = listing.category_path;
  const title = listing.title.trim();
  return {
    ...listing,
    title,
    category_l0: path[0] ?? 'Other',
    category_l1: path[1],
    category_l2: path[2],
    category_leaf: path[path.length - 1] ?? 'Other',
    category_text: path.join(' > '),
    price_bucket: priceBucket(listing.price),
    popularity: popularityOf(listing.like_count, listing.view_count),
    dedup_key: `${listing.seller_id}|${normalizeTitle(title)}`,
    suggest: {
      input: suggestInputs(title, listing.brand),
      // Completion weights are integers; popularity orders suggestions.
      weight: Math.max(1, Math.round(popularityOf(listing.like_count, listing.view_count) * 100)),
    },
    version,
    emitted_at: emittedAt,
    indexed_at: now.toISOString(),
  };
}

/**
 * Completion inputs: the title, the title without its leading brand (so "iphone" completes
 * "Apple iPhone 12"), and the brand. Sizes are dropped: "size 26" is not what people type.
 */
function suggestInputs(title: string, brand?: string): string[] {
  const clean = normalizeTitle(title)
    .replace(/\bsize \w+\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const brandNorm = brand ? normalizeTitle(brand) : '';
  const inputs = new Set<string>([clean]);
  if (brandNorm && clean.startsWith(`${brandNorm} `)) inputs.add(clean.slice(brandNorm.length + 1));
  if (brandNorm) inputs.add(brandNorm);
  return [...inputs].filter(Boolean);
}
