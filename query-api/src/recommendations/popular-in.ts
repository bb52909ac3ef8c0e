import type { estypes } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import type { ListingDocument } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { ON_SALE } from '../../../core/src/index.js';
import { SOURCE_FIELDS } from '../search/search-request.js';

/** What the feed and similar items fetch and blend on: what search fetches but the description, plus the dedup key. */
export const RECS_FIELDS = [...SOURCE_FIELDS.filter((f) => f !== 'description'), 'dedup_key'];

/** Whose popular listings: a size, a brand, or a category path (names joined by " > "). */
export interface PopularOf {
  kind: 'size' | 'brand' | 'category';
  value: string;
}

/**
 * How long each kind of shared list is: the longest a caller takes by default (the feed's), so the feed
 * and similar items read one list per size, brand or category instead of one each (similar items take
 * their first 24). At 1M listings a list costs 5-10 ms of Elasticsearch CPU to compute (100 listings
 * ~50 % more than 24, docs/benchmarks.md), and a cold start computes its ~185 lists all at once.
 */
const LIST_LENGTH: Record<PopularOf['kind'], number> = { size: 100, brand: 40, category: 40 };

function filterOf(of: PopularOf): estypes.QueryDslQueryContainer[] {
  if (of.kind === 'category')
    return of.value.split(' > ').map((name, level) => ({ term: { [`category_l${level}`]: name } }));
  return [{ term: { [of.kind]: of.value } }];
}

/** How long a list is kept for callers that take `take`: its kind's length, or longer for a caller that needs more. */
const lengthFor = (of: PopularOf, take = 0) => Math.max(take, LIST_LENGTH[of.kind]);

/** The result-cache key of a shared list (popularIn reads it, popular-keeper.ts warms those of default length). */
export const popularListKey = (of: PopularOf, take = 0) => `popular:${lengthFor(of, take)}:${of.kind}:${of.value}`;

/** Shared lists live a minute: a change to one of their listings drops them sooner. */
export const POPULAR_LIST_TTL_S = 60;

/** Computes a shared list (its kind's length, or `take` when longer): a filter sorted by popularity. */
export async function computePopularList(
  app: FastifyInstance,
  of: PopularOf,
  take = 0,
): Promise<{ value: ListingDocument[]; ids: string[] }> {
  // Elasticsearch skips what cannot make the top, and counts nothing.
  const res = await esCall('search', () =>
    app.es.search<ListingDocument>({
      index: app.config.elasticsearch.alias,
      size: lengthFor(of, take),
      track_total_hits: false,
      _source: RECS_FIELDS,
      query: { bool: { filter: [ON_SALE, ...filterOf(of)] } },
      sort: [{ popularity: 'desc' }, { created_at: 'desc' }],
    }),
  );
  const docs = res.hits.hits.map((h) => h._source!);
  return { value: docs, ids: docs.map((d) => d.id) };
}

/**
 * The `take` most popular listings on sale of a size, brand or category: the same for every user and
 * every listing page, so shared and cached (popular-keeper.ts recomputes the sizes' and brands' before
 * they expire, so a request rarely computes one).
 */
export async function popularIn(app: FastifyInstance, of: PopularOf, take: number): Promise<ListingDocument[]> {
  const { value } = await app.cache.getOrCompute(popularListKey(of, take), () => computePopularList(app, of, take), {
    ttlSeconds: POPULAR_LIST_TTL_S,
  });
  return value.length > take ? value.slice(0, take) : value;
}
