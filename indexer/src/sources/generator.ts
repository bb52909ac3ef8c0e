import type { Listing } from '../../../core/src/index.js';
import { ADJECTIVES, CATEGORY_BRANCHES, COLORS, CONDITION_PHRASES, SELLING_PHRASES } from './catalog-vocabulary.js';

export interface GeneratorOptions {
  count: number;
  seed?: number;
  /** First item index; lets callers shard one catalog across processes. */
  startIndex?: number;
  now?: Date;
}

export interface CategoryNode {
  path: [string, string, string];
  branch: number;
}

/** Every leaf of the demo tree, root first. */
export const CATEGORY_TREE: readonly CategoryNode[] = CATEGORY_BRANCHES.flatMap((b, branch) =>
  b.leaves.map((leaf) => ({ path: [b.path[0], b.path[1], leaf] as [string, string, string], branch })),
);

const CONDITIONS = [
  { value: 'new', weight: 0.2 },
  { value: 'like_new', weight: 0.3 },
  { value: 'good', weight: 0.33 },
  { value: 'fair', weight: 0.13 },
  { value: 'poor', weight: 0.04 },
] as const;
const DAY_MS = 86_400_000;
const SELLERS = 50_000;
// Fixed default so that `now` does not make a catalog depend on the wall clock.
const DEFAULT_NOW = new Date('2026-11-01T00:00:00Z');

/**
 * A seeded PRNG per item (mulberry32 over a hash of seed and index): item i is the same whatever was
 * generated before it, so generation streams in constant memory and shards by startIndex.
 */
function rngFor(seed: number, index: number): () => number {
  let a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** Standard normal by Box-Muller. */
function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

/** Zipf-like index in [0, n): a few items are very common, most are rare. */
function zipf(rnd: () => number, n: number, s = 1.1): number {
  return Math.min(n - 1, Math.floor(Math.pow(n, Math.pow(rnd(), s)) - 1));
}

/** Category popularity is skewed too: fashion and electronics dominate a marketplace. */
function pickLeaf(rnd: () => number): CategoryNode {
  return CATEGORY_TREE[zipf(rnd, CATEGORY_TREE.length, 0.6)]!;
}

export function generateListing(index: number, seed = 42, now = DEFAULT_NOW): Listing {
  const rnd = rngFor(seed, index);
  const leaf = pickLeaf(rnd);
  const branch = CATEGORY_BRANCHES[leaf.branch]!;
  const brand = rnd() < 0.85 ? pick(rnd, branch.brands) : undefined;
  let r = rnd();
  const condition = CONDITIONS.find((c) => (r -= c.weight) < 0)?.value ?? 'good';
  const conditionFactor = { new: 1.3, like_new: 1.1, good: 1, fair: 0.7, poor: 0.4 }[condition];
  const price = Math.max(
    100,
    Math.round((branch.medianPrice * conditionFactor * Math.exp(branch.sigma * gaussian(rnd))) / 100) * 100 -
      (rnd() < 0.5 ? 1 : 0),
  );
  const color = rnd() < 0.7 ? pick(rnd, COLORS) : undefined;
  const size = branch.sizes && rnd() < 0.9 ? pick(rnd, branch.sizes) : undefined;
  const adjective = rnd() < 0.6 ? pick(rnd, ADJECTIVES) : undefined;
  const noun = singular(leaf.path[2]);
  const titleParts = [
    brand,
    adjective,
    color,
    noun,
    size ? `size ${size}` : undefined,
    rnd() < 0.1 ? 'NWT' : undefined,
  ];
  const title = capitalize(titleParts.filter(Boolean).join(' '));
  const description = [
    `${capitalize(adjective ?? 'great')} ${color ?? ''} ${noun.toLowerCase()}${brand ? ` by ${brand}` : ''}.`.replace(
      /\s+/g,
      ' ',
    ),
    pick(rnd, CONDITION_PHRASES[condition]!),
    size ? `Size ${size}.` : '',
    pick(rnd, SELLING_PHRASES),
    rnd() < 0.5 ? pick(rnd, SELLING_PHRASES) : '',
  ]
    .filter(Boolean)
    .join(' ');
  // Engagement: long-tailed (log-normal views, likes a noisy fraction of views).
  const views = Math.floor(Math.exp(2.5 + 1.4 * gaussian(rnd)));
  const likes = Math.floor(views * rnd() * 0.15);
  const ageMs = Math.floor(Math.pow(rnd(), 1.5) * 60 * DAY_MS);
  const created = new Date(now.getTime() - ageMs);
  const updated = new Date(created.getTime() + Math.floor(rnd() * Math.min(ageMs, 3 * DAY_MS)));
  const seller = zipf(rnd, SELLERS, 1.3);
  return {
    id: `g-${seed}-${index}`,
    seller_id: `seller-${seller}`,
    title,
    description,
    category_path: [...leaf.path],
    ...(brand ? { brand } : {}),
    condition,
    price,
    currency: 'USD',
    shipping_payer: rnd() < 0.6 ? 'seller' : 'buyer',
    status: rnd() < 0.92 ? 'on_sale' : 'sold',
    created_at: created.toISOString(),
    updated_at: updated.toISOString(),
    like_count: likes,
    view_count: views,
    ...(size ? { size } : {}),
    ...(color ? { color } : {}),
    image_url: `https://img.example.com/demo/${seed}/${index}.jpg`,
  };
}

/** Streams `count` listings from `startIndex`; deterministic for a given seed (and `now`). */
export function* generateListings(opts: GeneratorOptions): Generator<Listing> {
  const start = opts.startIndex ?? 0;
  for (let i = start; i < start + opts.count; i++) yield generateListing(i, opts.seed ?? 42, opts.now ?? DEFAULT_NOW);
}

function singular(leaf: string): string {
  const word = leaf.replace(/ & .*$/, '');
  if (/(ss|us)$/i.test(word)) return word;
  if (/ies$/i.test(word)) return word.replace(/ies$/i, 'y');
  if (/(ches|shes|xes)$/i.test(word)) return word.replace(/es$/i, '');
  return word.replace(/s$/i, '');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
