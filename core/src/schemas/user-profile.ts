/**
 * What we know of a user, built from interaction events (recommendations) and read by the ranker's
 * personal features. Affinities are time-decayed weights normalized to sum to 1 (absent = unknown).
 */
export interface UserProfile {
  user_id: string;
  /** keyed by category path prefix at any level, e.g. "Women" and "Women > Tops & Blouses" */
  category_affinity: Record<string, number>;
  brand_affinity: Record<string, number>;
  /** price band (minor units) of what the user engaged with, when known */
  price_band?: { low: number; high: number };
  /** sizes of what the user engaged with (e.g. "Size S"): what fits them; absent on old profiles */
  size_affinity?: Record<string, number>;
  /**
   * per department (first category level), the share of the user's engagement there in each size: size fit
   * per department, since a person's size differs between shoes and dresses; absent on old profiles
   */
  size_by_department?: Record<string, Record<string, number>>;
  /** per full category path ("Women > Dresses"), the share of the user's engagement there in each size; absent on old profiles */
  size_by_category?: Record<string, Record<string, number>>;
  /** colours of what the user engaged with (the listing's `color`), normalized; absent on old profiles */
  color_affinity?: Record<string, number>;
  /** median price (minor units) of what the user clicked, liked or bought (the last PROFILE_BOUNDS.prices), when known */
  price_median?: number;
  recent_listing_ids: string[];
  /** listings the user liked or bought, most recent first: the feed's `because_you_liked` seeds, never shown again */
  liked_listing_ids?: string[];
  purchased_listing_ids: string[];
  recent_queries: string[];
}
