import type { FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import type { ListingDocument, UserProfile } from '../../../core/src/index.js';
import { loadUserProfile } from '../profiles/profile-store.js';
import { diversify } from './diversify.js';
import { byScore, diversityKey, scoreAfterBuild, textSourceCorrections } from './feed.js';
import {
  orderEntry,
  scoredItem,
  type FeedOrders,
  type FeedPageItem,
  type FirstBuild,
  type StoredFeed,
} from './feed-order.js';

type Ranked = { id: string; score: number };

/**
 * `ordered` (a feed order: score-led, moved down where the diversity rule said so) with `added` put in by
 * score: each before the first item of `ordered` that scores lower. The order of `ordered` is kept.
 */
export function insertByScore<T extends Ranked>(ordered: T[], added: T[]): T[] {
  const incoming = [...added].sort(byScore);
  const out: T[] = [];
  let next = 0;
  for (const item of ordered) {
    while (next < incoming.length && incoming[next]!.score > item.score) out.push(incoming[next++]!);
    out.push(item);
  }
  return out.concat(incoming.slice(next));
}

/**
 * A cached feed's first items with listings scored after its build, diversified again. The first items
 * are already a diversify output, and the greedy's pick at each step is the first allowed item, so with
 * nothing added their order comes back unchanged: only what the added listings displace moves.
 */
export function mergeFirstItems<T extends Ranked & { category_path: string[]; seller_id: string }>(
  first: T[],
  added: T[],
): T[] {
  return diversify(insertByScore(first, added), diversityKey);
}

/**
 * `build` with `added` (scored after it, none already in its stored order) merged into its first items
 * (mergeFirstItems) and its stored order, written under a new feed id, so pages through it stay gap- and
 * duplicate-free: one home for the merges of late fresh listings and of a viewed page's similar items.
 */
export async function storeMerged(
  orders: FeedOrders,
  build: FirstBuild,
  stored: StoredFeed,
  added: FeedPageItem[],
  firstItems: number,
): Promise<FirstBuild> {
  const first = mergeFirstItems(build.items, added);
  const order = [
    ...first.slice(0, firstItems).map(orderEntry),
    ...insertByScore(stored.order.slice(build.items.length), first.slice(firstItems).map(orderEntry)),
  ];
  const feedId = randomUUID();
  await orders.store(feedId, { order, personalized: build.personalized, ranker: build.ranker });
  return { ...build, feedId, items: first.slice(0, firstItems), length: order.length };
}

/**
 * A build is merged again at most this often: at 26 new listings a second (ten times the expected peak)
 * every request would otherwise see a new set of late listings. 500 ms of the 2 s freshness budget.
 */
export const MERGE_EVERY_MS = 500;
/**
 * Builds whose last merge is kept: each holds up to CACHED_ITEMS items of the merged first page and the
 * scored late listings (at most the fresh list's 60), ~0.5 KB each, the build's stored order (200 ids and
 * scores, ~16 KB) and the person's profile: ~80 KB, so ~40 MB at most. A build not kept is merged again.
 */
const MERGES_KEPT = 500;

interface Merged {
  build: FirstBuild;
  /** The late listings scored for this person, by id: a later merge scores only newer ones. */
  scored: Map<string, FeedPageItem>;
  /**
   * The person's profile and the build's stored order, read once per build: its profile version is fixed,
   * and what views changed since (they bump no version) reaches the next build.
   */
  profile?: UserProfile;
  stored?: StoredFeed;
}

interface MergeState {
  /** Ids of the late listings the merge took in, and when it started. */
  late: string;
  at: number;
  /** Never rejects: a failed merge resolves to the build as it was. */
  merged: Promise<Merged>;
}

/**
 * Cached first feed builds with the listings that reached the shared fresh list after they were built,
 * scored for the person and merged into the first items (issue 20). The fresh list is corrected within
 * the freshness budget (fresh-list.ts), while a person's build is reused for minutes: rebuilding every cached
 * build on every new listing would leave the feed uncached at 2.6 new listings a second, where a merge
 * scores only the late listings (by the same ranker, scaled to the build's anchors, each with the personal
 * text source that would have found it by the build's cuts) and writes the merged order under a new feed
 * id, so pages through it stay gap- and duplicate-free. Listings the build had anywhere in its order stay
 * where they were.
 */
export class LateFreshMerges {
  private readonly kept = new LRUCache<string, MergeState>({ max: MERGES_KEPT });

  constructor(
    private readonly app: FastifyInstance,
    private readonly orders: FeedOrders,
    private readonly firstItems: number,
  ) {}

  /** `build` as it should be served now: unchanged when no listing reached the fresh list since it was built. */
  async serve(userId: string | undefined, build: FirstBuild): Promise<FirstBuild> {
    if (!build.anchors || !build.fresh) return build;
    const seen = new Set([...build.fresh, ...build.items.map((i) => i.id)]);
    const late = (await this.app.freshListings.current()).filter((doc) => !seen.has(doc.id));
    if (late.length === 0) return build;
    const lateIds = late.map((d) => d.id).join(',');
    const last = this.kept.get(build.feedId);
    if (last && (last.late === lateIds || Date.now() - last.at < MERGE_EVERY_MS)) {
      const { build: merged } = await last.merged;
      if (last.late === lateIds) return merged;
      // Merged moments ago: served as it is, less any listing that has left the fresh list (sold) since.
      const current = new Set(late.map((d) => d.id));
      return { ...merged, items: merged.items.filter((i) => seen.has(i.id) || current.has(i.id)) };
    }
    // A failed merge (Redis or the ranker) serves the build as it was: late listings wait, the feed does not fail.
    const merged = this.merge(userId, build, late, last?.merged).catch((err: Error): Merged => {
      this.app.log.warn(
        { component: 'feed', err: err.message },
        'merging late fresh listings failed; feed served as built',
      );
      return { build, scored: new Map() };
    });
    this.kept.set(build.feedId, { late: lateIds, at: Date.now(), merged });
    return (await merged).build;
  }

  private async merge(
    userId: string | undefined,
    build: FirstBuild,
    late: ListingDocument[],
    previous: Promise<Merged> | undefined,
  ): Promise<Merged> {
    const { redis, config, metrics } = this.app;
    const before = await previous;
    const profile =
      before?.profile ?? (userId ? await loadUserProfile(redis, config.redis.namespace, userId) : undefined);
    const excluded = new Set([...(profile?.purchased_listing_ids ?? []), ...(profile?.liked_listing_ids ?? [])]);
    // None scores above the lowest of the first items: appended after them, so the first items stay as they
    // are and nothing is written. Most checks end here (a late listing is rarely among a person's best 60);
    // it waits for the next build to show further down.
    const floor = Math.min(...build.items.map((i) => i.score));
    const full = build.items.length >= this.firstItems;
    const scored = await this.scored(
      profile,
      build,
      late.filter((d) => !excluded.has(d.id)),
      full ? floor : -Infinity,
      before?.scored,
    );
    if (scored.size === 0 || (full && [...scored.values()].every((i) => i.score <= floor))) {
      metrics.feedLateFresh.inc({ outcome: 'unchanged' });
      return { build, scored, profile, stored: before?.stored };
    }
    // The stored order outlives the build (15 against 5 minutes): without it there is nothing to page.
    const stored = before?.stored ?? (await this.orders.read(build.feedId));
    if (!stored) return { build, scored, profile };
    const placed = new Set(stored.order.map((o) => o.id));
    const added = [...scored.values()].filter((i) => !placed.has(i.id));
    if (added.length === 0) return { build, scored, profile, stored };
    const merged = await storeMerged(this.orders, build, stored, added, this.firstItems);
    metrics.feedLateFresh.inc({ outcome: 'merged' });
    return { build: merged, scored, profile, stored };
  }

  /**
   * `docs` scored for the person: those scored by an earlier merge of the same build are reused. Newly
   * scored ones that a text source of the person would have found (textSourceCorrections) are corrected in
   * the background, off the request: the returned map is updated in place and the build merged again at
   * its next check.
   */
  private async scored(
    profile: UserProfile | undefined,
    build: FirstBuild,
    docs: ListingDocument[],
    floor: number,
    earlier = new Map<string, FeedPageItem>(),
  ): Promise<Map<string, FeedPageItem>> {
    const fresh = docs.filter((d) => !earlier.has(d.id));
    const entries = fresh.length > 0 ? await scoreAfterBuild(this.app, profile, fresh, build.anchors!) : [];
    const now = new Map(entries.map((e) => [e.doc.id, scoredItem(e)]));
    const scored = new Map(docs.map((d) => [d.id, earlier.get(d.id) ?? now.get(d.id)!]));
    if (build.textCuts && entries.length > 0)
      textSourceCorrections(this.app, profile, entries, build.anchors!, build.textCuts, floor)
        .then((corrected) => {
          if (corrected.length === 0) return;
          for (const e of corrected) scored.set(e.doc.id, scoredItem(e));
          const state = this.kept.get(build.feedId);
          if (state) Object.assign(state, { late: '', at: 0 }); // merged again at the next read
        })
        .catch((err: Error) =>
          this.app.log.warn(
            { component: 'feed', err: err.message },
            'late listings kept as fresh: text source check failed',
          ),
        );
    return scored;
  }
}
