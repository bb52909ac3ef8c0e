import type { InteractionEvent } from './schemas/interaction-event.js';

/**
 * Co-engagement scoring shared by the neighbour job (indexer, writes) and the query API (reads): how much
 * each interaction counts and how scores decay. The Redis layout and its bounds: core/src/redis-keys.ts.
 */

/** Half-life of co-engagement and popularity: taste in second-hand fashion moves with the seasons. */
export const NEIGHBOUR_HALF_LIFE_DAYS = 30;
/** RP3beta's beta: a neighbour's score is divided by its popularity to this power (0 = raw counts, 1 = fully normalised). */
export const POPULARITY_BETA = 0.5;

/**
 * How much each interaction says about two listings going together, relative to a like. A view is
 * cheap and often accidental; a click chose the item from a list; a purchase is the strongest signal
 * (and the item leaves soon after, as sold). Searches name no listing.
 */
export const CO_ENGAGEMENT_WEIGHTS: Record<InteractionEvent['type'], number> = {
  view: 0.25,
  click: 0.5,
  like: 1,
  purchase: 1.5,
  search: 0,
};

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
