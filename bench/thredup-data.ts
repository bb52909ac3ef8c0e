import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Listing } from '../core/src/index.js';

/**
 * The thredUp evaluation set (see /work/shared/data/thredup/README.md; never committed) mapped to
 * listings the way issue 18 prescribes, plus the leave-one-out split and the baselines the benchmark
 * reports beside the API. Nothing here orders by id or file position: listing ids and creation times
 * come from a hash of the item id, so neither follows the file order the hidden item is defined by.
 */
export interface ThredupItem {
  id: string;
  title: string;
  brand: string;
  category: string;
  department: string;
  colors: string[];
  materials: string[];
  size: string;
  price_cents: number;
  new_with_tags: boolean;
}

export interface Split {
  /** Every listing, in file order (only used to decide which favorite is last). */
  items: ThredupItem[];
  listingId: Map<string, string>;
  /** Favorites replayed as likes: everything but the hidden ones, per user in file order. */
  train: Map<string, string[]>;
  /** Users with 2+ favorites: their hidden (last) favorite, as a listing id. */
  hidden: Map<string, string>;
}

const hash = (s: string) => createHash('sha256').update(`recs-real-v1:${s}`).digest();

/** Which half of the users a user is in: `tuning` (weights may be chosen on it) or `evaluation`. */
export const userSplit = (user: string): 'tuning' | 'evaluation' =>
  hash(`split:${user}`)[0]! % 2 === 0 ? 'tuning' : 'evaluation';

/**
 * The cross-validation fold of a user for a seed: models/pipeline/recs_offline.py `fold_of` (the first 8 hex
 * digits of sha256('<seed>:<user>') modulo the folds), so the API can be asked per fold the offline CV used.
 */
export const cvFold = (user: string, seed: number, folds: number): number =>
  parseInt(createHash('sha256').update(`${seed}:${user}`).digest('hex').slice(0, 8), 16) % folds;

export function loadThredup(dir: string): Split | undefined {
  if (!existsSync(join(dir, 'items.jsonl'))) return undefined;
  const items = readFileSync(join(dir, 'items.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ThredupItem);
  const pos = new Map(items.map((it, i) => [it.id, i]));
  const listingId = new Map(items.map((it) => [it.id, `t${hash(`id:${it.id}`).toString('hex').slice(0, 14)}`]));
  const favs = new Map<string, string[]>();
  for (const line of readFileSync(join(dir, 'favorites-dev.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [user, item] = line.split(',');
    if (!favs.has(user!)) favs.set(user!, []);
    favs.get(user!)!.push(item!);
  }
  const train = new Map<string, string[]>();
  const hidden = new Map<string, string>();
  for (const [user, list] of favs) {
    const ordered = [...list].sort((a, b) => pos.get(a)! - pos.get(b)!).map((id) => listingId.get(id)!);
    if (ordered.length >= 2) hidden.set(user, ordered.pop()!);
    train.set(user, ordered);
  }
  return { items, listingId, train, hidden };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The issue's mapping; created_at spread over 60 days by a hash of the id, like_count as given. */
export function toListing(it: ThredupItem, id: string, likes: number, now: number): Listing {
  const ageMs = (hash(`age:${it.id}`).readUInt32BE(0) / 2 ** 32) * 60 * 86_400_000;
  const created = new Date(now - ageMs).toISOString();
  return {
    id,
    seller_id: `s${it.id}`,
    title: it.title.slice(0, 200),
    brand: it.brand ? it.brand.slice(0, 80) : undefined,
    description: [it.brand, it.category, ...it.colors, ...it.materials, it.size]
      .filter(Boolean)
      .join(' ')
      .slice(0, 10_000),
    category_path: [capitalise(it.department), it.category].map((s) => s.slice(0, 80)),
    condition: it.new_with_tags ? 'new' : 'good',
    price: it.price_cents,
    currency: 'USD',
    shipping_payer: 'buyer',
    status: 'on_sale',
    created_at: created,
    updated_at: created,
    like_count: likes,
    view_count: 0,
    ...(it.size ? { size: it.size.slice(0, 40) } : {}),
    ...(it.colors[0] ? { color: it.colors[0].slice(0, 40) } : {}),
  };
}

/** Baselines from the replayed likes only: popularity, and co-favorite counts (ties by popularity). */
export function baselines(split: Split) {
  const pop = new Map<string, number>();
  const co = new Map<string, Map<string, number>>();
  for (const list of split.train.values()) {
    for (const a of list) {
      pop.set(a, (pop.get(a) ?? 0) + 1);
      for (const b of list) {
        if (a === b) continue;
        if (!co.has(a)) co.set(a, new Map());
        co.get(a)!.set(b, (co.get(a)!.get(b) ?? 0) + 1);
      }
    }
  }
  // Popularity ties are broken by a hash (neither id nor file order).
  const tie = (id: string) => hash(`tie:${id}`).readUInt32BE(0) / 2 ** 32;
  const all = [...split.listingId.values()];
  const byPop = [...all].sort((a, b) => (pop.get(b) ?? 0) - (pop.get(a) ?? 0) || tie(a) - tie(b));
  const rank = (scores: Map<string, number>, exclude: Set<string>, k: number) => {
    const scored = [...scores.entries()]
      .filter(([id]) => !exclude.has(id))
      .sort((a, b) => b[1] - a[1] || (pop.get(b[0]) ?? 0) - (pop.get(a[0]) ?? 0) || tie(a[0]) - tie(b[0]))
      .map(([id]) => id);
    const seen = new Set(scored.slice(0, k));
    for (const id of byPop) {
      if (seen.size >= k) break;
      if (!exclude.has(id) && !seen.has(id)) {
        seen.add(id);
        scored.push(id);
      }
    }
    return scored.slice(0, k);
  };
  return {
    likes: pop,
    popularity: (exclude: Set<string>, k: number) => byPop.filter((id) => !exclude.has(id)).slice(0, k),
    coFavorite: (seeds: string[], exclude: Set<string>, k: number) => {
      const sum = new Map<string, number>();
      for (const s of seeds) for (const [b, c] of co.get(s) ?? []) sum.set(b, (sum.get(b) ?? 0) + c);
      return rank(sum, exclude, k);
    },
  };
}

/** hit@k and NDCG@k (one relevant item) of a ranked list. */
export function score(list: string[], target: string, k: number): { hit: number; ndcg: number } {
  const at = list.slice(0, k).indexOf(target);
  return at < 0 ? { hit: 0, ndcg: 0 } : { hit: 1, ndcg: 1 / Math.log2(at + 2) };
}
