import type { Redis } from 'ioredis';
import {
  PROFILE_BOUNDS,
  PROFILE_TTL_S,
  redisKeys,
  type Config,
  type InteractionEvent,
  type UserProfile,
} from '../../../core/src/index.js';
import { execPipeline } from '../../../core/src/redis-pipeline.js';

/** How much each kind of engagement says about taste. */
export const EVENT_WEIGHTS: Record<InteractionEvent['type'], number> = {
  view: 1,
  click: 2,
  like: 3,
  purchase: 5,
  search: 0,
};
export const HALF_LIFE_DAYS = 7;
const EPOCH = Date.parse('2026-01-01T00:00:00Z');
const DAY_MS = 86_400_000;
// The bounds (PROFILE_BOUNDS, PROFILE_TTL_S) live with the key layout, in core/src/redis-keys.ts.
const { recent: RECENT, queries: QUERIES, prices: PRICES, liked: LIKED } = PROFILE_BOUNDS;

/**
 * Forward decay: a weight w at time t is stored as w * 2^((t - epoch) / half-life), so adding is one
 * atomic HINCRBYFLOAT and reading divides by the same factor at "now". Same result as decaying every
 * weight on every event, without read-modify-write races.
 */
export function decayFactor(ts: number): number {
  return Math.pow(2, (ts - EPOCH) / (HALF_LIFE_DAYS * DAY_MS));
}

const keys = (namespace: string, user: string) => redisKeys(namespace).profile(user);

/** What the profile needs to know of a listing an event refers to. */
export interface ListingFacts {
  category_path: string[];
  brand?: string;
  price: number;
  size?: string;
  color?: string;
}

/**
 * Applies events to profiles (pipelined). Events whose listing is unknown only count as recent views.
 * `views` says whether a view makes the person's next feed a fresh build (`rebuild`) or not (`merge`,
 * FEED_VIEWS' default: see below).
 */
export async function recordEvents(
  redis: Redis,
  namespace: string,
  events: InteractionEvent[],
  facts: Map<string, ListingFacts>,
  views: Config['feedViews'] = 'merge',
): Promise<void> {
  const tx = redis.pipeline();
  const touched = new Set<string>();
  for (const e of events) {
    const k = keys(namespace, e.user_id);
    touched.add(e.user_id);
    const ts = Date.parse(e.ts);
    if (e.type === 'search' && e.query) {
      tx.lpush(k.queries, e.query.trim().toLowerCase()).ltrim(k.queries, 0, QUERIES - 1);
      continue;
    }
    if (!e.listing_id) continue;
    tx.lrem(k.recent, 0, e.listing_id)
      .lpush(k.recent, e.listing_id)
      .ltrim(k.recent, 0, RECENT - 1);
    if (e.type === 'purchase')
      tx.zadd(k.purchased, ts, e.listing_id).zremrangebyrank(k.purchased, 0, -(PROFILE_BOUNDS.purchases + 1));
    if (e.type === 'like' || e.type === 'purchase')
      tx.lrem(k.liked, 0, e.listing_id)
        .lpush(k.liked, e.listing_id)
        .ltrim(k.liked, 0, LIKED - 1);
    const f = facts.get(e.listing_id);
    if (!f) continue;
    const w = EVENT_WEIGHTS[e.type] * decayFactor(ts);
    for (let i = 1; i <= f.category_path.length; i++)
      tx.hincrbyfloat(k.affinity, `c:${f.category_path.slice(0, i).join(' > ')}`, w);
    if (f.brand) tx.hincrbyfloat(k.affinity, `b:${f.brand}`, w);
    // Size says who an item fits: in second-hand fashion the strongest single signal of a next favorite.
    if (f.size) tx.hincrbyfloat(k.affinity, `z:${f.size}`, w);
    if (f.size && f.category_path[0]) tx.hincrbyfloat(k.affinity, sizeInDepartmentField(f.category_path[0], f.size), w);
    // Colour and size within the leaf category: inputs of the learned feed ranker (ranking/feed-feature-spec.json).
    if (f.color) tx.hincrbyfloat(k.affinity, `o:${f.color}`, w);
    if (f.size && f.category_path.length >= 2)
      tx.hincrbyfloat(k.affinity, sizeInCategoryField(f.category_path.join(' > '), f.size), w);
    if (e.type !== 'view') tx.lpush(k.prices, String(f.price)).ltrim(k.prices, 0, PRICES - 1);
  }
  const users = [...touched];
  const rebuilt = new Set(events.filter((e) => e.type !== 'view' || views === 'rebuild').map((e) => e.user_id));
  for (const user of users) {
    const k = keys(namespace, user);
    // `version` is bumped by every recorded event but a view: the feed's build is cached per version. A view
    // is the most frequent event, one per listing page: the cached build is served with the viewed page's
    // similar items merged in (page-merges.ts), and the view's affinities reach the feed at its next build.
    // A person's first view sets it, so their first feed after it is personal. FEED_VIEWS=rebuild bumps it
    // on views too, as before page merges: an operator's way back without a release.
    if (rebuilt.has(user)) tx.incr(k.version);
    else tx.set(k.version, '1', 'NX');
    for (const key of Object.values(k)) tx.expire(key, PROFILE_TTL_S);
  }
  for (const user of users) tx.hlen(keys(namespace, user).affinity);
  const replies = await execPipeline(tx);
  const lengths = replies.slice(-users.length).map((v) => Number(v));
  await Promise.all(
    users.map((user, i) =>
      lengths[i]! > PROFILE_BOUNDS.affinityFields ? trimAffinities(redis, keys(namespace, user).affinity) : undefined,
    ),
  );
}

/**
 * Keeps a user's strongest affinity fields (all stored on one decay scale, so raw values compare). Rare:
 * only a profile past the bound pays a read; a race with a concurrent write at worst trims one late.
 */
async function trimAffinities(redis: Redis, key: string): Promise<void> {
  const all = Object.entries(await redis.hgetall(key)).sort((a, b) => Number(b[1]) - Number(a[1]));
  const weakest = all.slice(PROFILE_BOUNDS.affinityFields).map(([field]) => field);
  if (weakest.length > 0) await redis.hdel(key, ...weakest);
}

/** Separates department and size in a size-per-department affinity field (neither name contains it). */
const UNIT = '\u001f';
const sizeInDepartmentField = (department: string, size: string) => `zd:${department}${UNIT}${size}`;
const sizeInCategoryField = (path: string, size: string) => `zc:${path}${UNIT}${size}`;

/**
 * Per group, each size's share of the engagement there: fields `<prefix><group><US><size>`, already decayed
 * (`zd:` per department, `zc:` per full category path).
 */
export function sizesPerGroup(fields: Array<[string, number]>, prefix = 'zd:'): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const totals: Record<string, number> = {};
  for (const [field, w] of fields) {
    const at = field.indexOf(UNIT);
    if (!field.startsWith(prefix) || at < 0) continue;
    const department = field.slice(prefix.length, at);
    (out[department] ??= {})[field.slice(at + 1)] = w;
    totals[department] = (totals[department] ?? 0) + w;
  }
  for (const [department, sizes] of Object.entries(out))
    for (const s of Object.keys(sizes)) sizes[s]! /= totals[department] || 1;
  return out;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;

/** The median of sorted numbers (mean of the middle two for an even count, as numpy's median). */
const median = (sorted: number[]) => {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Reads a profile: affinities decayed to now and normalized per kind (category level, brand, size). */
export async function loadUserProfile(
  redis: Redis,
  namespace: string,
  userId: string,
  now = Date.now(),
): Promise<UserProfile | undefined> {
  const k = keys(namespace, userId);
  const read = redis
    .pipeline()
    .hgetall(k.affinity)
    .lrange(k.recent, 0, -1)
    .zrange(k.purchased, 0, -1)
    .lrange(k.queries, 0, -1)
    .lrange(k.prices, 0, -1)
    .lrange(k.liked, 0, -1);
  const [aff, recent, purchased, queries, prices, liked] = (await execPipeline(read)) as [
    Record<string, string>,
    string[],
    string[],
    string[],
    string[],
    string[],
  ];
  if (Object.keys(aff).length === 0 && recent.length === 0 && queries.length === 0) return undefined;
  const scale = decayFactor(now);
  const category: Record<string, number> = {};
  const brand: Record<string, number> = {};
  const size: Record<string, number> = {};
  let sizeTotal = 0;
  const levelTotals = new Map<number, number>();
  let brandTotal = 0;
  const color: Record<string, number> = {};
  let colorTotal = 0;
  const sizeInGroup: Array<[string, number]> = [];
  for (const [field, raw] of Object.entries(aff)) {
    const w = Number(raw) / scale;
    if (field.startsWith('zd:') || field.startsWith('zc:')) {
      sizeInGroup.push([field, w]);
    } else if (field.startsWith('o:')) {
      color[field.slice(2)] = w;
      colorTotal += w;
    } else if (field.startsWith('c:')) {
      const path = field.slice(2);
      category[path] = w;
      const level = path.split(' > ').length;
      levelTotals.set(level, (levelTotals.get(level) ?? 0) + w);
    } else if (field.startsWith('b:')) {
      brand[field.slice(2)] = w;
      brandTotal += w;
    } else if (field.startsWith('z:')) {
      size[field.slice(2)] = w;
      sizeTotal += w;
    }
  }
  for (const path of Object.keys(category)) category[path]! /= levelTotals.get(path.split(' > ').length) || 1;
  for (const b of Object.keys(brand)) brand[b]! /= brandTotal || 1;
  for (const z of Object.keys(size)) size[z]! /= sizeTotal || 1;
  for (const c of Object.keys(color)) color[c]! /= colorTotal || 1;
  const sortedPrices = prices
    .map(Number)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return {
    user_id: userId,
    category_affinity: category,
    brand_affinity: brand,
    ...(sortedPrices.length >= 2
      ? { price_band: { low: quantile(sortedPrices, 0.2), high: quantile(sortedPrices, 0.8) } }
      : {}),
    ...(sortedPrices.length >= 1 ? { price_median: median(sortedPrices) } : {}),
    size_affinity: size,
    size_by_department: sizesPerGroup(sizeInGroup, 'zd:'),
    size_by_category: sizesPerGroup(sizeInGroup, 'zc:'),
    color_affinity: color,
    recent_listing_ids: recent,
    liked_listing_ids: liked,
    purchased_listing_ids: purchased,
    recent_queries: queries,
  };
}
