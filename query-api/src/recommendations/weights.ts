import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../../../core/src/index.js';

/**
 * What each signal adds to a feed candidate's score. Fit weights multiply shares of the person's
 * engagement (0..1). Chosen by cross-validation over users on the thredUp favorites
 * (models/pipeline/recs_offline.py) and checked through the API on the tuning half of the users
 * (bench/recommendations-real.ts; docs/benchmarks.md): size and brand carry most, category and a
 * popularity prior less, co-engagement with their likes about as much as popularity. Freshness and
 * price fit are small: they order what fit leaves tied, and the cold-start mix.
 */
export const FEED_WEIGHTS = { size: 1, brand: 1, department: 0.1, category: 0.25, liked_together: 0.5, popularity: 0.5, freshness: 0.1, price_fit: 0.1 };

/**
 * What each signal adds to a similar-items candidate (chosen the same way): the same size and brand
 * say most about what a person who liked this listing likes next, co-engagement (`liked_together`)
 * about as much, the leaf category and a popularity prior less; text likeness breaks ties among look-alikes.
 */
export const SIMILAR_WEIGHTS = { liked_together: 1, same_size: 1, same_brand: 1, same_category: 0.25, similar_text: 0.25, popularity: 0.5 };

export type FeedWeights = typeof FEED_WEIGHTS;
export type SimilarWeights = typeof SIMILAR_WEIGHTS;

const resolved = new WeakMap<object, { feed: FeedWeights; similar: SimilarWeights }>();

/** The weights in force: the defaults with RECS_WEIGHTS' overrides; an unknown name is a configuration error. */
export function recsWeights(app: FastifyInstance): { feed: FeedWeights; similar: SimilarWeights } {
  const known = resolved.get(app.config);
  if (known) return known;
  const out = { feed: { ...FEED_WEIGHTS }, similar: { ...SIMILAR_WEIGHTS } };
  const bad: string[] = [];
  for (const [name, value] of Object.entries(app.config.recsWeights)) {
    const [kind, key] = name.split('.') as ['feed' | 'similar', string];
    const target = out[kind] as Record<string, number> | undefined;
    if (!target || !(key in target) || !Number.isFinite(value)) bad.push(name);
    else target[key] = value;
  }
  if (bad.length > 0) throw new ConfigError(bad.map((name) => ({ path: 'RECS_WEIGHTS', message: `unknown weight ${name}` })));
  resolved.set(app.config, out);
  return out;
}
