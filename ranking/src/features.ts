import type { UserProfile } from '../../core/src/index.js';
import { FEATURE_NAMES, featureSpec } from './feature-spec.js';
import { titleHeadMatcher } from './title-head.js';
import { sharedTokens, tokens, tokensAmong } from './text.js';
import type { Candidate, QueryContext } from './types.js';

const CONDITION_ORDINAL: Record<string, number> = { new: 4, like_new: 3, good: 2, fair: 1, poor: 0 };
const DAY_MS = 86_400_000;
const DEFAULT = Object.fromEntries(featureSpec.features.map((f) => [f.name, f.default]));

const ACCESSORY = new Set((featureSpec.lexicons?.accessory ?? []).flatMap(tokens));
const brandTokensOf = sharedTokens();
const categoryTokensOf = sharedTokens();

/**
 * Accessory signals: BM25 cannot tell "monitor" from "monitor stand" (both match the query word, the
 * stand often better: shorter title), yet people asking for the product rarely want the accessory.
 * Returns [the title names an accessory the query does not ask for, the query's last word is directly
 * followed by one ("monitor stand": the query names what the item is for)].
 */
function accessorySignals(query: string[], title: string[]): [number, number] {
  const last = query[query.length - 1];
  let named = 0;
  let modifier = 0;
  for (let i = 0; i < title.length; i++) {
    const t = title[i]!;
    if (!ACCESSORY.has(t) || query.includes(t)) continue;
    named = 1;
    if (i > 0 && title[i - 1] === last) modifier = 1;
  }
  return [named, modifier];
}

/**
 * Share of query tokens the title has when glued words count: a query token that begins a longer title
 * token ("usb" in "usbc", "cam" in "camcorder") and two query tokens written as one ("head set": "headset").
 * Product titles glue words and codes together that people type apart, and exact coverage misses them.
 */
function looseCoverage(query: string[], title: string[], words: Set<string>): number {
  // Two letters begin too much: "pc" begins "pcie", "hd" begins "hdmi".
  const MIN_PREFIX = 3;
  if (query.length === 0) return 0;
  const begins = (t: string) => t.length >= MIN_PREFIX && title.some((w) => w.length > t.length && w.startsWith(t));
  let found = 0;
  for (let i = 0; i < query.length; i++) {
    const t = query[i]!;
    const next = query[i + 1];
    if (next !== undefined && words.has(t + next)) {
      found += 2;
      i++;
    } else if (words.has(t) || begins(t)) found++;
  }
  return found / query.length;
}

const coverage = (query: string[], field: ReadonlySet<string> | readonly string[]) => {
  if (query.length === 0) return 0;
  const has = 'has' in field ? (t: string) => field.has(t) : (t: string) => field.includes(t);
  return query.filter(has).length / query.length;
};

/**
 * The normalized query is a substring of the normalized title (so its first and last words may be the
 * end and the start of title words). Joining the title is skipped when it cannot hold: a one-word query
 * is a substring of one title word, and a longer one's inner words must be title words.
 */
function titlePhrase(query: string[], qNorm: string, title: string[], titleWords: Set<string>): number {
  if (qNorm.length === 0) return 0;
  if (query.length === 1) return title.some((w) => w.includes(qNorm)) ? 1 : 0;
  for (let i = 1; i < query.length - 1; i++) if (!titleWords.has(query[i]!)) return 0;
  return title.join(' ').includes(qNorm) ? 1 : 0;
}
const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function firstMatchPosition(query: string[], title: string[]): number {
  if (title.length === 0) return 1;
  const at = title.findIndex((t) => query.includes(t));
  return at === -1 ? 1 : at / title.length;
}

function userFeatures(
  user: UserProfile | undefined,
  path: string[],
  brand: string | undefined,
  price: number,
): [number, number, number] {
  if (!user) return [DEFAULT.user_category_affinity!, DEFAULT.user_brand_affinity!, DEFAULT.user_price_fit!];
  let cat = 0;
  for (let i = 1; i <= path.length; i++) cat = Math.max(cat, user.category_affinity[path.slice(0, i).join(' > ')] ?? 0);
  const brandAff = brand ? (user.brand_affinity[brand] ?? 0) : 0;
  let fit = 0.5;
  if (user.price_band && user.price_band.high > 0) {
    const { low, high } = user.price_band;
    if (price >= low && price <= high) fit = 1;
    else {
      const distance = Math.abs(Math.log1p(price) - Math.log1p(price < low ? low : high));
      fit = Math.exp(-distance * 2);
    }
  }
  return [cat, brandAff, fit];
}

/**
 * Feature vectors (in feature-spec order) for a candidate set. Pure and deterministic: the training
 * exporter calls this same function, so training and serving cannot drift apart.
 */
export function extractFeatures(candidates: Candidate[], ctx: QueryContext): number[][] {
  const q = tokens(ctx.query);
  const qSet = new Set(q);
  const qNorm = q.join(' ');
  const titleHeadMatch = titleHeadMatcher(q);
  const maxBm25 = candidates.reduce((m, c) => Math.max(m, c.bm25), 0);
  const maxSemantic = candidates.reduce((m, c) => (c.semantic === undefined ? m : Math.max(m, c.semantic)), -1);
  // Price position within the candidate set, per top-level category.
  const logPrices = candidates.map((c) => Math.log1p(c.doc.price / 100));
  const stats = new Map<string, { n: number; sum: number; sq: number }>();
  candidates.forEach((c, i) => {
    const key = c.doc.category_path?.[0] ?? '';
    const s = stats.get(key) ?? { n: 0, sum: 0, sq: 0 };
    s.n++;
    s.sum += logPrices[i]!;
    s.sq += logPrices[i]! ** 2;
    stats.set(key, s);
  });
  const now = ctx.now.getTime();
  return candidates.map((c, i) => {
    const d = c.doc;
    const titleTokens = tokens(d.title);
    const titleWords = new Set(titleTokens);
    const brandTokens = brandTokensOf(d.brand);
    const s = stats.get(d.category_path?.[0] ?? '')!;
    const mean = s.sum / s.n;
    const sd = Math.sqrt(Math.max(0, s.sq / s.n - mean * mean));
    const created = Date.parse(d.created_at);
    const [uc, ub, up] = userFeatures(ctx.user, d.category_path ?? [], d.brand, d.price);
    const [accessory, queryThenAccessory] = accessorySignals(q, titleTokens);
    return [
      c.bm25,
      maxBm25 > 0 ? c.bm25 / maxBm25 : 0,
      coverage(q, titleWords),
      brandTokens.length > 0 && brandTokens.every((t) => q.includes(t)) ? 1 : 0,
      coverage(q, categoryTokensOf(d.category_path?.join(' '))),
      titlePhrase(q, qNorm, titleTokens, titleWords),
      Math.min(10, q.length),
      coverage(q, tokensAmong(d.description, qSet)),
      Math.min(40, titleTokens.length),
      firstMatchPosition(q, titleTokens),
      logPrices[i]!,
      sd > 1e-9 ? clip((logPrices[i]! - mean) / sd, -3, 3) : 0,
      CONDITION_ORDINAL[d.condition] ?? DEFAULT.condition!,
      Number.isFinite(created) ? clip((now - created) / DAY_MS, 0, 365) : DEFAULT.age_days!,
      ((d.like_count ?? 0) + 1) / ((d.view_count ?? 0) + 20),
      Math.log1p(d.view_count ?? 0),
      d.shipping_payer === 'seller' ? 1 : 0,
      uc,
      ub,
      up,
      accessory,
      queryThenAccessory,
      looseCoverage(q, titleTokens, titleWords),
      titleHeadMatch(d.title, titleWords),
      c.semantic ?? DEFAULT.semantic_cosine!,
      c.semantic === undefined ? DEFAULT.semantic_gap! : maxSemantic - c.semantic,
    ];
  });
}

// Guard against editing one side of the contract only.
const COMPUTED = 26;
if (FEATURE_NAMES.length !== COMPUTED)
  throw new Error(`feature-spec.json lists ${FEATURE_NAMES.length} features; features.ts computes ${COMPUTED}`);
