import type { ListingDocument, UserProfile } from '../../../core/src/index.js';

/**
 * What each signal adds to a feed candidate's score. Fit weights are shares of the person's engagement
 * (0..1) times these; chosen by cross-validation over users on the thredUp favorites
 * (models/pipeline/recs_offline.py, docs/benchmarks.md): size and brand carry most, category and a
 * popularity prior less, co-engagement with their likes about as much as popularity. Freshness and
 * price fit are small: they order what fit leaves tied, and the cold-start mix.
 */
export const FEED_WEIGHTS = { size: 1, brand: 1, department: 0.1, category: 0.25, liked_together: 0.5, popularity: 0.5, freshness: 0.1, price_fit: 0.1 } as const;

/** How many of each kind of fit the per-user candidate query asks for. */
const FIT_TERMS = { sizes: 4, brands: 5, departments: 2, categories: 5 } as const;

/** The n heaviest keys of a weight map (optionally only those passing pred). */
export const topKeys = (weights: Record<string, number>, n: number, pred: (k: string) => boolean = () => true) =>
  Object.entries(weights).filter(([k]) => pred(k)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k]) => k);

const top = (weights: Record<string, number>, n: number, w: number, pred: (k: string) => boolean = () => true): Array<[string, number]> =>
  Object.entries(weights).filter(([k]) => pred(k)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, v * w]);

/** The person's strongest sizes, brands, departments (category roots) and leaf categories, weighted for scoring. */
export function fitOf(user: UserProfile) {
  const depth = (k: string) => k.split(' > ').length;
  return {
    sizes: top(user.size_affinity ?? {}, FIT_TERMS.sizes, FEED_WEIGHTS.size),
    brands: top(user.brand_affinity, FIT_TERMS.brands, FEED_WEIGHTS.brand),
    departments: top(user.category_affinity, FIT_TERMS.departments, FEED_WEIGHTS.department, (k) => depth(k) === 1),
    categories: top(user.category_affinity, FIT_TERMS.categories, FEED_WEIGHTS.category, (k) => depth(k) >= 2).map(([k, v]): [string, number] => [k.split(' > ').pop()!, v]),
  };
}

/** How well a listing fits the person: size, brand, department and category shares of their engagement, weighted. */
export function fitScore(user: UserProfile, doc: ListingDocument): number {
  const w = FEED_WEIGHTS;
  const path = doc.category_path ?? [];
  return (
    w.size * (doc.size ? (user.size_affinity?.[doc.size] ?? 0) : 0) +
    w.brand * (doc.brand ? (user.brand_affinity[doc.brand] ?? 0) : 0) +
    w.department * (path[0] ? (user.category_affinity[path[0]] ?? 0) : 0) +
    w.category * (path.length >= 2 ? (user.category_affinity[path.join(' > ')] ?? 0) : 0)
  );
}

/**
 * Scores feed entries in place: fit + co-engagement with the person's likes (summed neighbour scores,
 * scaled to the best candidate's) + popularity (scaled to the most popular candidate) + freshness
 * (linear over 60 days) + price fit. Without a profile only popularity and freshness count.
 */
export function scoreFeed(entries: Array<{ doc: ListingDocument; score: number }>, user: UserProfile | undefined, together: Map<string, number>, now: Date): void {
  const w = FEED_WEIGHTS;
  const maxPopularity = Math.max(...entries.map((e) => e.doc.popularity ?? 0), 1e-9);
  const maxTogether = Math.max(...entries.map((e) => together.get(e.doc.id) ?? 0), 1e-9);
  for (const e of entries) {
    const ageDays = (now.getTime() - Date.parse(e.doc.created_at)) / 86_400_000;
    const band = user?.price_band;
    const personal = user
      ? fitScore(user, e.doc) + (w.liked_together * (together.get(e.doc.id) ?? 0)) / maxTogether + (band && e.doc.price >= band.low && e.doc.price <= band.high ? w.price_fit : 0)
      : 0;
    e.score = personal + (w.popularity * (e.doc.popularity ?? 0)) / maxPopularity + w.freshness * Math.max(0, 1 - (Number.isFinite(ageDays) ? ageDays : 60) / 60);
  }
}
