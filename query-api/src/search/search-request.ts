import type { estypes } from '@elastic/elasticsearch';
import { PRICE_BUCKETS } from '../../../core/src/index.js';
import type { EntryScope } from '../cache/entry-scope.js';
import type { SearchQuery } from '../schemas/search.js';
import { textQuery } from './text-query.js';

type Query = estypes.QueryDslQueryContainer;
export const CATEGORY_LEVEL_FIELDS = ['category_l0', 'category_l1', 'category_l2'] as const;

/** What an item in a response shows (see toItem). */
const SHOWN_FIELDS = [
  'id',
  'title',
  'price',
  'currency',
  'brand',
  'condition',
  'category_path',
  'shipping_payer',
  'status',
  'seller_id',
  'created_at',
  'like_count',
  'size',
  'color',
  'image_url',
];
/** What recommendations fetch: the shown fields plus what they blend on. */
export const ITEM_FIELDS = [...SHOWN_FIELDS, 'popularity', 'category_leaf'];
/** What search fetches: the shown fields plus what the ranking features read. */
export const SOURCE_FIELDS = [
  ...SHOWN_FIELDS,
  'view_count',
  'popularity',
  'category_l0',
  'category_l1',
  'category_l2',
  'category_leaf',
  'updated_at',
  'description',
];

/** Parses "A > B" into path levels, or a single name matched at any level. */
export function parseCategory(category: string): { path: string[] } | { name: string } {
  const parts = category
    .split('>')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.length > 1 ? { path: parts.slice(0, 3) } : { name: parts[0] ?? category.trim() };
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * Every filter of the request (all in filter context: cached by Elasticsearch, no effect on BM25).
 * `anyStatus`: without the status filter (what may have left the result by a status change too).
 */
export function buildFilters(p: SearchQuery, opts: { anyStatus?: boolean } = {}): Query[] {
  const filters: Query[] = opts.anyStatus ? [] : [{ term: { status: p.status ?? 'on_sale' } }];
  if (p.category) {
    const c = parseCategory(p.category);
    if ('path' in c) c.path.forEach((name, level) => filters.push({ term: { [CATEGORY_LEVEL_FIELDS[level]!]: name } }));
    else filters.push({ term: { category_path: c.name } });
  }
  if (p.brand) filters.push({ terms: { brand: list(p.brand) } });
  if (p.condition) filters.push({ terms: { condition: list(p.condition) } });
  if (p.shipping_payer) filters.push({ term: { shipping_payer: p.shipping_payer } });
  if (p.price_min !== undefined || p.price_max !== undefined) {
    filters.push({
      range: {
        price: {
          ...(p.price_min !== undefined ? { gte: p.price_min } : {}),
          ...(p.price_max !== undefined ? { lte: p.price_max } : {}),
        },
      },
    });
  }
  return filters;
}

/**
 * Which listings could appear on a result of this request, for the result cache: the same filters and
 * text as buildFilters and buildQuery, and for sorted pages the stretch of the order the page covers.
 * Known gap: hybrid retrieval also lets in the query's nearest listings by embedding (kNN) without a
 * word in common; such a listing enters a cached window when the entry expires, not at once (the
 * embedding step writes vectors after the text and announces nothing).
 */
export function resultScope(
  p: SearchQuery,
  page?: { sort: 'newest' | 'price_asc' | 'price_desc' | 'popular'; after?: unknown[]; through?: unknown[] },
): EntryScope {
  const scope: EntryScope = { status: p.status ?? 'on_sale' };
  if (p.category) {
    const c = parseCategory(p.category);
    if ('path' in c) scope.categoryPath = c.path;
    else scope.categoryName = c.name;
  }
  if (p.brand) scope.brands = list(p.brand);
  if (p.condition) scope.conditions = list(p.condition);
  if (p.shipping_payer) scope.shippingPayer = p.shipping_payer;
  if (p.price_min !== undefined) scope.priceMin = p.price_min;
  if (p.price_max !== undefined) scope.priceMax = p.price_max;
  if (p.q?.trim()) scope.q = p.q.trim();
  if (page) {
    const field = page.sort === 'newest' ? 'created_at' : page.sort === 'popular' ? 'popularity' : 'price';
    const key = (sortValues?: unknown[]) => (typeof sortValues?.[0] === 'number' ? sortValues[0] : undefined);
    scope.order = { field, desc: page.sort !== 'price_asc', after: key(page.after), through: key(page.through) };
  }
  return scope;
}

/** The query part: BM25 text relevance (filters apart) or, for browsing, everything. */
export function buildQuery(p: SearchQuery, opts: { anyStatus?: boolean } = {}): Query {
  return { bool: { must: [textQuery(p.q ?? '')], filter: buildFilters(p, opts) } };
}

/**
 * Whether any listing was written since `since` (epoch ms, the indexer's `indexed_at`; a deletion is
 * written too) that a cached result of this request shows (`ids`) or whose query and filters match in any
 * status: the request that tells a hot entry near expiry it is still current (ResultCache.refresh). Stops
 * at the first such listing; led by the write-time range, it reads the few listings written since.
 */
export function writtenSinceQuery(p: SearchQuery, ids: string[], since: number): estypes.SearchRequest {
  const matches = p.q?.trim()
    ? buildQuery(p, { anyStatus: true })
    : { bool: { filter: buildFilters(p, { anyStatus: true }) } };
  return {
    size: 0,
    terminate_after: 1,
    track_total_hits: true,
    query: {
      bool: {
        filter: [{ range: { indexed_at: { gte: since, format: 'epoch_millis' } } }],
        should: [matches, { ids: { values: ids } }],
        minimum_should_match: 1,
      },
    },
  };
}

/** Sort for the non-relevance orders; `id` breaks ties so search_after never skips or repeats. */
export function buildSort(sort: SearchQuery['sort']): estypes.SortCombinations[] {
  switch (sort) {
    case 'newest':
      return [{ created_at: 'desc' }, { id: 'asc' }];
    case 'price_asc':
      return [{ price: 'asc' }, { id: 'asc' }];
    case 'price_desc':
      return [{ price: 'desc' }, { id: 'asc' }];
    case 'popular':
      return [{ popularity: 'desc' }, { id: 'asc' }];
    default:
      return [{ _score: { order: 'desc' } }, { popularity: 'desc' }, { id: 'asc' }];
  }
}

/**
 * Facet aggregations: children of the current category level (top level when none is chosen), brands,
 * conditions and price ranges. Computed over the full filtered result set.
 */
export function buildAggs(p: SearchQuery): {
  aggs: Record<string, estypes.AggregationsAggregationContainer>;
  level: number;
  parent: string | null;
} {
  let level = 0;
  let parent: string | null = null;
  let childAgg: estypes.AggregationsAggregationContainer = { terms: { field: 'category_l0', size: 30 } };
  if (p.category) {
    const c = parseCategory(p.category);
    if ('path' in c) {
      level = Math.min(c.path.length, 2);
      parent = c.path[c.path.length - 1]!;
      childAgg = { terms: { field: CATEGORY_LEVEL_FIELDS[level]!, size: 50 } };
    } else {
      // A bare name may sit at level 0 or 1: ask both, the route keeps the level it was found at.
      parent = c.name;
      childAgg = {
        filters: { filters: { l0: { term: { category_l0: c.name } }, l1: { term: { category_l1: c.name } } } },
        aggs: { l1: { terms: { field: 'category_l1', size: 50 } }, l2: { terms: { field: 'category_l2', size: 50 } } },
      };
      level = -1;
    }
  }
  return {
    level,
    parent,
    aggs: {
      category: childAgg,
      brand: { terms: { field: 'brand', size: 20 } },
      condition: { terms: { field: 'condition', size: 5 } },
      price: {
        range: {
          field: 'price',
          keyed: false,
          ranges: PRICE_BUCKETS.map((b) => ({
            key: b.key,
            ...('from' in b ? { from: b.from } : {}),
            ...('to' in b ? { to: b.to } : {}),
          })),
        },
      },
    },
  };
}
