import type { InteractionEvent } from './schemas/interaction-event.js';

/**
 * Co-engagement neighbours: the Redis layout written by the neighbour job (indexer process) and read
 * by the query API (similar items, feed). One home for every key and its bound.
 *
 * - `neighbours(id)`: sorted set, member = another listing, score = decayed, popularity-normalised
 *   co-engagement (see the job). At most NEIGHBOURS_KEPT members; expires NEIGHBOURS_TTL_S after its
 *   last update. A reader takes the top with one ZREVRANGE.
 * - `popularity`: sorted set of forward-decayed engagement per listing (RP3beta's normaliser); entries
 *   decayed below a floor are pruned, sold/removed listings leave it.
 * - `history(user)`: list of the user's last HISTORY_LENGTH engaged listings (the job's own copy, so
 *   replaying the stream needs nothing else).
 * - `gone`: sorted set listing -> when it was sold/suspended/deleted: the job never adds it back.
 * - `highWater`: the last stream id applied; the job's only cursor (advanced atomically with the batch).
 */
export function neighbourKeys(prefix: string) {
  return {
    neighbours: (id: string) => `${prefix}:nb:${id}`,
    popularity: `${prefix}:nb-pop`,
    history: (user: string) => `${prefix}:nb-hist:${user}`,
    gone: `${prefix}:nb-gone`,
    highWater: `${prefix}:nb-hwm`,
    lease: `${prefix}:nb-lease`,
  };
}

/** Neighbours kept per listing (a list grows to twice this between trims). */
export const NEIGHBOURS_KEPT = 50;
export const NEIGHBOURS_TTL_S = 90 * 24 * 3600;
/** Engagements per user that a new one pairs with (cost per event is twice this in ZINCRBYs). */
export const HISTORY_LENGTH = 20;
export const HISTORY_TTL_S = 30 * 24 * 3600;
/** Half-life of co-engagement and popularity: taste in second-hand fashion moves with the seasons. */
export const NEIGHBOUR_HALF_LIFE_DAYS = 30;
/** RP3beta's beta: a neighbour's score is divided by its popularity to this power (0 = raw counts, 1 = fully normalised). */
export const POPULARITY_BETA = 0.5;

/**
 * How much each interaction says about two listings going together, relative to a like. A view is
 * cheap and often accidental; a click chose the item from a list; a purchase is the strongest signal
 * (and the item leaves soon after, as sold). Searches name no listing.
 */
export const CO_ENGAGEMENT_WEIGHTS: Record<InteractionEvent['type'], number> = { view: 0.25, click: 0.5, like: 1, purchase: 1.5, search: 0 };

const EPOCH = Date.parse('2026-01-01T00:00:00Z');
const DAY_MS = 86_400_000;

/**
 * Forward decay for the neighbour scores: a weight at time t is stored multiplied by this factor;
 * reading at "now" divides by the factor at now. Doubles overflow after ~1,000 half-lives (80 years
 * at 30 days), so no rescaling is needed in the service's lifetime.
 */
export function neighbourDecayFactor(ts: number): number {
  return Math.pow(2, (ts - EPOCH) / (NEIGHBOUR_HALF_LIFE_DAYS * DAY_MS));
}
