import type { FastifyInstance } from 'fastify';
import { esCall } from '../search/es-errors.js';

/**
 * A term in more than this share of the catalog says little about likeness ("size", "new", a big
 * brand's name) and is what makes more_like_this costly: its postings run through a good part of the
 * index. Text-likeness queries skip such terms.
 */
const MAX_DOC_FREQ_SHARE = 0.01;
const CATALOG_SIZE_TTL_MS = 60_000;
const catalogSizes = new WeakMap<FastifyInstance, { count: number; at: number }>();

/** more_like_this's max_doc_freq for a catalog of this size (never below 50, for small catalogs). */
export const rareTermsCap = (catalog: number) => Math.max(50, Math.round(catalog * MAX_DOC_FREQ_SHARE));

/** Listings in the index, re-counted at most once a minute. */
export async function catalogSize(app: FastifyInstance): Promise<number> {
  const known = catalogSizes.get(app);
  if (known && Date.now() - known.at < CATALOG_SIZE_TTL_MS) return known.count;
  const { count } = await esCall('count', () => app.es.count({ index: app.config.elasticsearch.alias }));
  catalogSizes.set(app, { count, at: Date.now() });
  return count;
}
