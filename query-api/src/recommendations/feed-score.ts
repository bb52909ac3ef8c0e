import type { ListingDocument, UserProfile } from '../../../core/src/index.js';
import { scaleAnchors, type ScaleAnchors } from '../../../ranking/src/feed-features.js';
import type { FeedWeights } from './weights.js';

/** The n heaviest keys of a weight map (optionally only those passing pred). */
export const topKeys = (weights: Record<string, number>, n: number, pred: (k: string) => boolean = () => true) =>
  Object.entries(weights)
    .filter(([k]) => pred(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k]) => k);

/**
 * How well a listing fits the person: size, brand, department and category shares of their engagement, and
 * the share of their engagement in the listing's department that was in its size (size fit per department),
 * weighted. models/pipeline/recs_features.py computes the same features offline.
 */
export function fitScore(user: UserProfile, doc: ListingDocument, w: FeedWeights): number {
  const path = doc.category_path ?? [];
  return (
    w.size * (doc.size ? (user.size_affinity?.[doc.size] ?? 0) : 0) +
    w.size_in_department * (doc.size && path[0] ? (user.size_by_department?.[path[0]]?.[doc.size] ?? 0) : 0) +
    w.brand * (doc.brand ? (user.brand_affinity[doc.brand] ?? 0) : 0) +
    w.department * (path[0] ? (user.category_affinity[path[0]] ?? 0) : 0) +
    w.category * (path.length >= 2 ? (user.category_affinity[path.join(' > ')] ?? 0) : 0)
  );
}

/**
 * Scores feed entries in place: fit + co-engagement with the person's likes (summed neighbour scores,
 * scaled to the best candidate's) + popularity (scaled to the most popular candidate) + freshness
 * (linear over 60 days) + price fit. Without a profile only popularity and freshness count. `anchors`
 * (feed-features.ts) only for entries scored apart from their build.
 */
export function scoreFeed(
  entries: Array<{ doc: ListingDocument; score: number }>,
  user: UserProfile | undefined,
  together: Map<string, number>,
  now: Date,
  w: FeedWeights,
  anchors: ScaleAnchors = scaleAnchors(entries.map((e) => ({ doc: e.doc, together: together.get(e.doc.id) ?? 0 }))),
): void {
  const { popularity: maxPopularity, together: maxTogether } = anchors;
  for (const e of entries) {
    const ageDays = (now.getTime() - Date.parse(e.doc.created_at)) / 86_400_000;
    const band = user?.price_band;
    const personal = user
      ? fitScore(user, e.doc, w) +
        (w.liked_together * (together.get(e.doc.id) ?? 0)) / maxTogether +
        (band && e.doc.price >= band.low && e.doc.price <= band.high ? w.price_fit : 0)
      : 0;
    e.score =
      personal +
      (w.popularity * (e.doc.popularity ?? 0)) / maxPopularity +
      w.freshness * Math.max(0, 1 - (Number.isFinite(ageDays) ? ageDays : 60) / 60);
  }
}
