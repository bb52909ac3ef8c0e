import type { FastifyInstance } from 'fastify';
import { esCall } from '../search/es-errors.js';

const CATALOG_SIZE_TTL_MS = 60_000;
const catalogSizes = new WeakMap<FastifyInstance, { count: number; at: number }>();

/** Listings in the index, re-counted at most once a minute. */
export async function catalogSize(app: FastifyInstance): Promise<number> {
  const known = catalogSizes.get(app);
  if (known && Date.now() - known.at < CATALOG_SIZE_TTL_MS) return known.count;
  const { count } = await esCall('count', () => app.es.count({ index: app.config.elasticsearch.alias }));
  catalogSizes.set(app, { count, at: Date.now() });
  return count;
}
