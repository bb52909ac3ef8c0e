import { Type } from '@sinclair/typebox';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileValidator, type ListingDocument, type UserProfile } from '../../core/src/index.js';
import { FeatureEntries } from './feature-spec.js';

const FeedFeatureSpecSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  description: Type.Optional(Type.String()),
  /** Weights of the `blend` column: fixed here (and hashed), so a RECS_WEIGHTS trial cannot shift a model's input. */
  blend_weights: Type.Object({
    size: Type.Number(),
    size_in_department: Type.Number(),
    brand: Type.Number(),
    department: Type.Number(),
    category: Type.Number(),
    together: Type.Number(),
    popularity: Type.Number(),
    freshness: Type.Number(),
    price_fit: Type.Number(),
  }),
  features: FeatureEntries,
});

export const FEED_FEATURE_SPEC_PATH = fileURLToPath(new URL('../feed-feature-spec.json', import.meta.url));
const raw = readFileSync(FEED_FEATURE_SPEC_PATH, 'utf8');

/** The feed's feature spec, validated at load: serving refuses to start on a malformed contract. */
export const feedFeatureSpec = compileValidator(FeedFeatureSpecSchema).parse(
  JSON.parse(raw),
  'ranking/feed-feature-spec.json',
);
export const FEED_FEATURE_NAMES: string[] = feedFeatureSpec.features.map((f) => f.name);
/** sha256 of the spec file's bytes; feed models record it and must match it. */
export const FEED_FEATURE_SPEC_SHA256 = createHash('sha256').update(raw).digest('hex');

/**
 * The largest popularity and co-engagement score among a build's candidates: what both columns are scaled
 * to. A listing scored after its feed was built (a new fresh listing merged into a cached feed) is scaled to
 * its build's anchors, so its score compares with the scores the build gave.
 */
export interface ScaleAnchors {
  popularity: number;
  together: number;
}

/** The anchors of a set of candidates (never 0: they divide). */
export function scaleAnchors(candidates: Array<{ doc: ListingDocument; together: number }>): ScaleAnchors {
  let popularity = 1e-9;
  let together = 1e-9;
  for (const c of candidates) {
    popularity = Math.max(popularity, c.doc.popularity ?? 0);
    together = Math.max(together, c.together);
  }
  return { popularity, together };
}

/** A feed candidate as feed.ts has it before ranking: the listing, why it is there, its summed neighbour score. */
export interface FeedCandidate {
  doc: ListingDocument;
  source: string;
  together: number;
}

const DAY_MS = 86_400_000;
const FRESH_DAYS = 60;
const SOURCES = ['together', 'size', 'brand', 'category', 'text', 'trending'] as const;

/** Which source column a feed source string sets (none for `fresh`). */
function sourceKind(source: string): (typeof SOURCES)[number] | undefined {
  const head = source.split(':')[0]!;
  if (head === 'because_you_liked') return 'together';
  if (head === 'similar' || head === 'search') return 'text';
  return (SOURCES as readonly string[]).includes(head) ? (head as (typeof SOURCES)[number]) : undefined;
}

/**
 * The feature rows (FEED_FEATURE_NAMES order) of a user's feed candidates. Pure: the same code computes
 * the training rows (bench/recommendations-real.ts --export-feed) and the served ones, so there is no
 * second implementation to drift. Popularity and co-engagement are scaled to the best candidate, as the
 * blend scales them (feed-score.ts), so a model sees what the blend sees; `anchors` only for
 * candidates scored apart from their build.
 */
export function feedFeatures(
  candidates: FeedCandidate[],
  user: UserProfile,
  now: Date,
  anchors: ScaleAnchors = scaleAnchors(candidates),
): number[][] {
  const { popularity: maxPopularity, together: maxTogether } = anchors;
  const w = feedFeatureSpec.blend_weights;
  const liked = user.liked_listing_ids?.length ?? 0;
  const median = user.price_median;
  const band = user.price_band;
  return candidates.map(({ doc, source, together }) => {
    const path = doc.category_path ?? [];
    const dept = path[0];
    const full = path.length >= 2 ? path.join(' > ') : undefined;
    const size = doc.size ? (user.size_affinity?.[doc.size] ?? 0) : 0;
    const department = dept ? (user.category_affinity[dept] ?? 0) : 0;
    const brand = doc.brand ? (user.brand_affinity[doc.brand] ?? 0) : 0;
    const category = full ? (user.category_affinity[full] ?? 0) : 0;
    const sizeInDepartment = doc.size && dept ? (user.size_by_department?.[dept]?.[doc.size] ?? 0) : 0;
    const sizeInCategory = doc.size && full ? (user.size_by_category?.[full]?.[doc.size] ?? 0) : 0;
    const popularity = (doc.popularity ?? 0) / maxPopularity;
    const togetherScaled = together / maxTogether;
    const priceFit = band && doc.price >= band.low && doc.price <= band.high ? 1 : 0;
    const ageDays = (now.getTime() - Date.parse(doc.created_at)) / DAY_MS;
    const freshness = Math.max(0, 1 - (Number.isFinite(ageDays) ? ageDays : FRESH_DAYS) / FRESH_DAYS);
    const blend =
      w.size * size +
      w.size_in_department * sizeInDepartment +
      w.brand * brand +
      w.department * department +
      w.category * category +
      w.together * togetherScaled +
      w.popularity * popularity +
      w.freshness * freshness +
      w.price_fit * priceFit;
    const kind = sourceKind(source);
    return [
      size,
      department,
      brand,
      category,
      doc.color ? (user.color_affinity?.[doc.color] ?? 0) : 0,
      sizeInDepartment,
      sizeInCategory,
      doc.condition === 'new' ? 1 : 0,
      popularity,
      togetherScaled,
      priceFit,
      freshness,
      popularity * size,
      together,
      doc.price > 0 ? Math.log(doc.price) : 0,
      median && median > 0 && doc.price > 0 ? Math.log(doc.price / median) : 0,
      liked,
      blend,
      ...SOURCES.map((s) => (kind === s ? 1 : 0)),
    ];
  });
}
