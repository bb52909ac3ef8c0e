import type { FastifyInstance } from 'fastify';
import { catalogCounter } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';

const counters = new WeakMap<FastifyInstance, () => Promise<number>>();

/** Listings in the index, re-counted at most once a minute (catalogCounter). */
export async function catalogSize(app: FastifyInstance): Promise<number> {
  let counter = counters.get(app);
  if (!counter) {
    const index = app.config.elasticsearch.alias;
    counter = catalogCounter(async () => (await esCall('count', () => app.es.count({ index }))).count);
    counters.set(app, counter);
  }
  return counter();
}
