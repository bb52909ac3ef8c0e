import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../../../core/src/index.js';

/**
 * What each signal adds to a feed candidate's score. Fit weights multiply shares of the person's
 * engagement (0..1). Chosen by repeated cross-validation over the users of the tuning half only
 * (models/pipeline/recs_offline.py: 5 folds x 3 seeds per candidate feature set, scored inside the
 * simulated candidate pool with this freshness term; the best set's weights fitted on that half;
 * docs/benchmarks.md, issue 18): size, brand and a popularity prior carry most, the leaf category less.
 * Size within the listing's department (`size_in_department`, learned by the profile) helped only while
 * the study ignored the pool and freshness, and lost through the API: it is 0, kept for RECS_WEIGHTS trials.
 * Co-engagement: the CV's pick was 0.25, which fails the requirement that co-liked listings reach
 * each other's first page (co-engagement.int.test.ts); 0.5 is the best weight that passes (1 user of 828
 * fewer on the tuning half). Price fit lowered the hit rate.
 */
export const FEED_WEIGHTS = {
  size: 1,
  size_in_department: 0,
  brand: 1,
  department: 0,
  category: 0.5,
  liked_together: 0.5,
  popularity: 1,
  freshness: 0.1,
  price_fit: 0,
};

/**
 * What each signal adds to a similar-items candidate (chosen on all dev users, before the tuning-half
 * protocol; docs/benchmarks.md says what that protocol would pick instead): the same size and brand
 * say most about what a person who liked this listing likes next, co-engagement (`liked_together`)
 * about as much, the leaf category and a popularity prior less; text likeness breaks ties among look-alikes.
 */
export const SIMILAR_WEIGHTS = {
  liked_together: 1,
  same_size: 1,
  same_brand: 1,
  same_category: 0.25,
  similar_text: 0.25,
  popularity: 0.5,
};

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
  if (bad.length > 0)
    throw new ConfigError(bad.map((name) => ({ path: 'RECS_WEIGHTS', message: `unknown weight ${name}` })));
  resolved.set(app.config, out);
  return out;
}
