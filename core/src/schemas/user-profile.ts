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
  recent_listing_ids: string[];
  purchased_listing_ids: string[];
  recent_queries: string[];
}
