import type { estypes } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import type { ListingDocument } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { ON_SALE, SOURCE_FIELDS } from '../search/search-request.js';

/** What the feed and similar items fetch and blend on: what search fetches but the description, plus the dedup key. */
export const RECS_FIELDS = [...SOURCE_FIELDS.filter((f) => f !== 'description'), 'dedup_key'];

/**
 * The most popular listings on sale matching a filter (a category, a brand, a size): the same for
 * every user and every listing page, so shared and cached a minute (a change to one of them drops it).
 */
export async function popularIn(
  app: FastifyInstance,
  key: string,
  filter: estypes.QueryDslQueryContainer[],
  size: number,
): Promise<ListingDocument[]> {
  const index = app.config.elasticsearch.alias;
  const { value } = await app.cache.getOrCompute(
    `popular:${size}:${key}`,
    async () => {
      // A filter sorted by popularity: Elasticsearch skips what cannot make the top, and counts nothing.
      const res = await esCall('search', () =>
        app.es.search<ListingDocument>({
          index,
          size,
          track_total_hits: false,
          _source: RECS_FIELDS,
          query: { bool: { filter: [ON_SALE, ...filter] } },
          sort: [{ popularity: 'desc' }, { created_at: 'desc' }],
        }),
      );
      const docs = res.hits.hits.map((h) => h._source!);
      return { value: docs, ids: docs.map((d) => d.id) };
    },
    { ttlSeconds: 60 },
  );
  return value;
}
