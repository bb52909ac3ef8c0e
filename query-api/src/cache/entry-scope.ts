import type { ListingDocument } from '../../../core/src/index.js';
import { EMBEDDING_DIMS } from '../../../core/src/index-definition.js';
import { readQuantized } from '../../../core/src/text-embedder.js';
import { listingTerms, mayMatchTerm, queryTerms, type TermGroups } from '../search/index-analysis.js';

/**
 * What a cached result could gain: the listings that, if they appeared or changed, might belong on it.
 * Stored with the entry (JSON), so every pod that reads it from Redis can check it too. A listing
 * already shown on an entry is handled by id (ResultCache); a scope catches the ones that are not
 * there yet: a new listing matching a cached query, a price drop into a cached `price_asc` page.
 */
export interface EntryScope {
  /** Exact filters, as the search applied them. */
  status: string;
  categoryPath?: string[];
  categoryName?: string;
  categoryLeaf?: string;
  brands?: string[];
  conditions?: string[];
  shippingPayer?: string;
  priceMin?: number;
  priceMax?: number;
  /** The query text; absent: every listing passing the filters matches. */
  q?: string;
  /**
   * Sorted pages: the order and the page's bounds in it (`after`: the cursor's position, exclusive;
   * `through`: the page's last sort key, when the page is full). A listing enters only between them.
   * Absent: relevance order, where any match may enter (its BM25 score is not known here).
   */
  order?: { field: 'created_at' | 'price' | 'popularity'; desc: boolean; after?: number; through?: number };
  /**
   * Relevance windows that took kNN candidates (hybrid retrieval): what a listing needs to be among
   * them, whatever its words. `vector`: the query embedding, int8 (quantizeEmbedding, ~0.5 KB);
   * `minCosine`: the lowest query-listing cosine among the window's kNN hits, less a margin for the
   * int8 roundings (knnScope), or 'any' when kNN returned fewer than k hits under the filters (any
   * listing with a vector passing them joins). Absent (entries stored by older code, BM25-only
   * windows): only words can let a listing in.
   */
  knn?: { vector: string; minCosine: number | 'any' };
  /**
   * Relevance windows whose BM25 list was cut (BM25 returned as many hits as it was asked for): the
   * lowest BM25 score in it. A listing whose words match enters only if Elasticsearch scores it at least
   * that high (ResultCache asks, batched, once per pass; a failed ask counts as entering) or by kNN. For
   * a popular word thousands of listings match and a new one is rarely in the top few hundred, yet each
   * used to cost every such window a full recomputation. Absent: any word match enters.
   */
  bm25Cut?: number;
}

/** A word match that enters only if Elasticsearch scores the listing at `cut` or above (EntryScope.bm25Cut). */
export interface Bm25Check {
  q: string;
  cut: number;
  id: string;
}

/** A changed listing as scopes see it: its filter fields, sort keys and every term its text may be indexed as. */
export interface ChangedListing {
  id: string;
  status: string;
  categoryPath: string[];
  categoryLeaf?: string;
  brand?: string;
  condition: string;
  shippingPayer: string;
  price: number;
  createdAt: number;
  popularity: number;
  terms: Set<string>;
  /** Its embedding, int8 (embedding_int8), once the indexer's embedding step wrote it: kNN can find it only then. */
  embedding?: string;
  /** The version read (the index's external version): tells a new vector from a new text (ResultCache.noteChange). */
  version?: number;
  /**
   * Only its vector is new: an earlier pass already matched this very version by its words (searchable
   * then), so only kNN scopes can gain it now. Without this every new listing would correct the
   * windows its words match twice, once per announcement (text, then vector).
   */
  vectorOnly?: boolean;
}

/** The fields a changed listing is read with (a realtime get right after its bulk). */
export const CHANGED_LISTING_FIELDS = [
  'id',
  'title',
  'brand',
  'category_path',
  'category_leaf',
  'description',
  'status',
  'condition',
  'shipping_payer',
  'price',
  'created_at',
  'popularity',
  // kNN scopes (EntryScope.knn) compare it with cached queries: ~0.5 KB per changed listing read.
  'embedding_int8',
  'version',
];

export function toChangedListing(doc: ListingDocument): ChangedListing {
  return {
    id: doc.id,
    status: doc.status,
    categoryPath: doc.category_path ?? [],
    categoryLeaf: doc.category_leaf,
    brand: doc.brand,
    condition: doc.condition,
    shippingPayer: doc.shipping_payer,
    price: doc.price,
    createdAt: Date.parse(doc.created_at),
    popularity: doc.popularity ?? 0,
    // Everything the text query searches: title, brand, category words, description.
    terms: listingTerms([doc.title, doc.brand, ...(doc.category_path ?? []), doc.description]),
    ...(doc.embedding_int8 ? { embedding: doc.embedding_int8 } : {}),
    ...(typeof doc.version === 'number' ? { version: doc.version } : {}),
  };
}

/**
 * Per pass over the cache: whether each query term may match each changed listing, remembered, since
 * thousands of entries share a few hundred words. Parsed queries too.
 */
export class MatchMemo {
  private readonly queries = new Map<string, TermGroups[]>();
  private readonly terms = new Map<string, Map<string, boolean>>();
  /** Per listing: its terms by first letter (see termMatches). */
  private readonly letters = new Map<string, Map<string, string[]>>();
  /** Per listing: its embedding dequantized (once per pass), and its cosine with each query vector seen. */
  private readonly embeddings = new Map<string, Float32Array | null>();
  private readonly cosines = new Map<string, Map<string, number>>();

  queryOf(q: string): TermGroups[] {
    let parsed = this.queries.get(q);
    if (!parsed) this.queries.set(q, (parsed = queryTerms(q)));
    return parsed;
  }

  termMatches(listing: ChangedListing, term: string): boolean {
    let byTerm = this.terms.get(listing.id);
    if (!byTerm) this.terms.set(listing.id, (byTerm = new Map()));
    let hit = byTerm.get(term);
    if (hit === undefined) {
      // mayMatchTerm: equal, or a typo with the first letter fixed (4+ letters): only the listing's words
      // with that first letter can match. Same answers as trying every word, a fraction of the calls:
      // the cold terms of a pass were most of its cost (bench/scope-match-cost.ts).
      hit = listing.terms.has(term);
      if (!hit && term.length >= 4)
        for (const t of this.byFirstLetter(listing).get(term[0]!) ?? [])
          if (mayMatchTerm(term, t)) {
            hit = true;
            break;
          }
      byTerm.set(term, hit);
    }
    return hit;
  }

  private byFirstLetter(listing: ChangedListing): Map<string, string[]> {
    let index = this.letters.get(listing.id);
    if (!index) {
      this.letters.set(listing.id, (index = new Map()));
      for (const t of listing.terms) {
        if (t.length === 0) continue;
        const bucket = index.get(t[0]!);
        if (bucket) bucket.push(t);
        else index.set(t[0]!, [t]);
      }
    }
    return index;
  }

  /**
   * The cosine of a listing's embedding with a cached query's (both int8), remembered per pass: entries
   * of one query (filters, users, pages) share its vector. NaN when either is malformed.
   */
  cosine(listing: ChangedListing & { embedding: string }, knn: NonNullable<EntryScope['knn']>): number {
    let byQuery = this.cosines.get(listing.id);
    if (!byQuery) this.cosines.set(listing.id, (byQuery = new Map()));
    let c = byQuery.get(knn.vector);
    if (c === undefined) {
      let l = this.embeddings.get(listing.id);
      if (l === undefined) this.embeddings.set(listing.id, (l = dequantize(listing.embedding)));
      const q = queryBytes(knn);
      if (!l || !q) c = NaN;
      else {
        let s = 0;
        for (let d = 0; d < EMBEDDING_DIMS; d++) s += l[d]! * q.bytes[d]!;
        c = s * q.scale;
      }
      byQuery.set(knn.vector, c);
    }
    return c;
  }
}

/**
 * Query vectors decoded once per entry, not once per pass: base64 decoding was most of a cosine's cost
 * (bench/scope-match-cost.ts). Weak: an entry's decoded vector (~0.4 KB beside its ~80 KB window) goes
 * with the entry.
 */
const decodedQueries = new WeakMap<object, { bytes: Int8Array; scale: number } | null>();

function queryBytes(knn: NonNullable<EntryScope['knn']>): { bytes: Int8Array; scale: number } | null {
  let q = decodedQueries.get(knn);
  if (q === undefined) {
    const read = readQuantized(knn.vector, EMBEDDING_DIMS);
    // A copy: small Buffers share a pooled slab, which a view would keep alive.
    q = read ? { bytes: read.bytes.slice(), scale: read.scale } : null;
    decodedQueries.set(knn, q);
  }
  return q;
}

/** An int8 embedding (quantizeEmbedding: float32 scale, then one signed byte per dimension) as floats; null if malformed. */
function dequantize(quantized: string): Float32Array | null {
  const read = readQuantized(quantized, EMBEDDING_DIMS);
  return read ? Float32Array.from(read.bytes, (b) => b * read.scale) : null;
}

const lower = (s: string) => s.toLowerCase();

/**
 * Why a listing may enter an entry (the `api_cache_scope_matches_total` label): `all`, too many changes
 * to read one by one; `filters`, no query text (every listing passing the filters and page bounds);
 * `words`, its text matches the query; `knn_any`, kNN found fewer than k under the filters;
 * `knn_bound`, its cosine with the query reaches the window's kNN bound.
 */
export type EntryCause = 'all' | 'filters' | 'words' | 'knn_any' | 'knn_bound';

/**
 * Why `listing` may now belong on a result with this scope (filters, then order bounds, then text), or
 * undefined; `bm25_cut`: its words match a window with a BM25 cut, so it enters only if scored above it.
 */
export function scopeMatches(
  scope: EntryScope,
  listing: ChangedListing,
  memo: MatchMemo,
): EntryCause | 'bm25_cut' | undefined {
  if (listing.status !== scope.status) return undefined;
  if (scope.categoryPath && !scope.categoryPath.every((name, level) => listing.categoryPath[level] === name))
    return undefined;
  if (scope.categoryName && !listing.categoryPath.includes(scope.categoryName)) return undefined;
  if (scope.categoryLeaf && listing.categoryLeaf !== scope.categoryLeaf) return undefined;
  if (scope.brands && !(listing.brand && scope.brands.map(lower).includes(lower(listing.brand)))) return undefined;
  if (scope.conditions && !scope.conditions.includes(listing.condition)) return undefined;
  if (scope.shippingPayer && listing.shippingPayer !== scope.shippingPayer) return undefined;
  if (scope.priceMin !== undefined && listing.price < scope.priceMin) return undefined;
  if (scope.priceMax !== undefined && listing.price > scope.priceMax) return undefined;
  if (scope.order && !withinPage(scope.order, listing)) return undefined;
  if (listing.vectorOnly) return scope.knn === undefined ? undefined : knnCause(scope.knn, listing, memo);
  if (!scope.q) return 'filters';
  // Either way of counting the query's words may be the one Elasticsearch matched by (index-analysis.ts).
  const byWords = parsedQuery(scope as EntryScope & { q: string }, memo).some(({ groups, required }) => {
    let matched = 0;
    for (const group of groups)
      if (group.some((term) => memo.termMatches(listing, term)) && ++matched >= required) return true;
    return false;
  });
  // The cosine last, and only past the filters: it is the costliest check and most entries stop earlier.
  if (byWords && scope.bm25Cut === undefined) return 'words';
  const byKnn = scope.knn === undefined ? undefined : knnCause(scope.knn, listing, memo);
  // Below the BM25 cut it may still come in by kNN, which is known here without asking Elasticsearch.
  return byWords ? (byKnn ?? 'bm25_cut') : byKnn;
}

/**
 * Parsed queries kept with their scope for the entry's life, not only per pass: analysing every cached
 * query again for each changed listing (stems, synonyms; thousands of distinct queries) was most of a
 * pass (bench/scope-match-cost.ts). Weak: it goes with the entry.
 */
const parsedQueries = new WeakMap<EntryScope, TermGroups[]>();

function parsedQuery(scope: EntryScope & { q: string }, memo: MatchMemo): TermGroups[] {
  let parsed = parsedQueries.get(scope);
  if (!parsed) parsedQueries.set(scope, (parsed = memo.queryOf(scope.q)));
  return parsed;
}

/**
 * Whether a listing may now be among a window's kNN candidates: it has a vector (without one kNN cannot
 * find it) and its cosine with the query reaches the window's bound. A malformed vector counts as a
 * match: a needless recomputation, never a hidden listing.
 */
function knnCause(
  knn: NonNullable<EntryScope['knn']>,
  listing: ChangedListing,
  memo: MatchMemo,
): 'knn_any' | 'knn_bound' | undefined {
  if (listing.embedding === undefined) return undefined;
  if (knn.minCosine === 'any') return 'knn_any';
  const cosine = memo.cosine(listing as ChangedListing & { embedding: string }, knn);
  return Number.isNaN(cosine) || cosine >= knn.minCosine ? 'knn_bound' : undefined;
}

/**
 * Why one of these changed listings ('all': too many to read) may now belong on an entry with these
 * scopes; the BM25 scores to ask for when only word matches below a cut remain (EntryScope.bm25Cut,
 * entering if any is at its cut); undefined when none can.
 */
export function mayEnter(
  scopes: EntryScope[],
  listings: ChangedListing[] | 'all',
  memo: MatchMemo,
): EntryCause | Bm25Check[] | undefined {
  if (listings === 'all') return 'all';
  let checks: Bm25Check[] | undefined;
  for (const l of listings)
    for (const s of scopes) {
      const cause = scopeMatches(s, l, memo);
      if (cause === 'bm25_cut') (checks ??= []).push({ q: s.q!, cut: s.bm25Cut!, id: l.id });
      else if (cause) return cause;
    }
  return checks;
}

/** Ties count as inside: the id tie-break could put the listing on either side. */
function withinPage(order: NonNullable<EntryScope['order']>, listing: ChangedListing): boolean {
  const key =
    order.field === 'created_at' ? listing.createdAt : order.field === 'price' ? listing.price : listing.popularity;
  const before = (a: number, b: number) => (order.desc ? a >= b : a <= b);
  if (order.after !== undefined && !before(order.after, key)) return false;
  return order.through === undefined || before(key, order.through);
}
