import type { FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { ListingDocument } from '../../../core/src/index.js';
import { loadUserProfile } from '../profiles/profile-store.js';
import { scoreAfterBuild } from './feed.js';
import { scoredItem, type FeedOrders, type FirstBuild } from './feed-order.js';
import { storeMerged } from './late-fresh.js';
import { SIMILAR_PAGE_SIZE, SimilarService } from './similar-service.js';

/**
 * Merges kept, by build and viewed listing: each holds the merged first page (up to 60 items, ~0.5 KB each),
 * so ~15 MB at most. A merge not kept is done again (a new feed id; the pages a client holds stay valid).
 */
const MERGES_KEPT = 500;

/**
 * A person's cached feed build with the similar items of the listing page they viewed since it was built.
 * A view bumps no profile version (profile-store.ts): a listing page is the most frequent event, and a full
 * build per page kept the 2 cores of the latency bench saturated (docs/benchmarks.md, "One read per listing
 * page, and what the view rebuilds cost"). The page's list is read from the result cache, as a build reads
 * it (feed.ts, shownSimilar); its listings the build did not have are scored for the person as the `similar`
 * source, by the build's ranker and anchors, and merged into its first items and its stored order under a
 * new feed id, as late fresh listings are (late-fresh.ts). The view's affinities reach the feed's other
 * sources at its next build: a like, purchase, search or click, or the build's expiry (5 minutes).
 * FEED_VIEWS=rebuild turns merges off: every view gives a fresh build, as before 2026-12-04.
 */
export class PageMerges {
  /**
   * Each merge, and the listings it may add: a change to one of them makes the merge stale (the build's own
   * listings are the result cache's), and the next request merges again.
   */
  private readonly kept = new LRUCache<string, { served: Promise<FirstBuild>; added: Set<string>; stale?: true }>({
    max: MERGES_KEPT,
  });

  constructor(
    private readonly app: FastifyInstance,
    private readonly orders: FeedOrders,
    private readonly firstItems: number,
  ) {
    // A merged listing sold or changed since: the next request merges again, reading the page's listings as they are.
    app.listingChanges.on('changed', (ids) => {
      const changed = new Set(ids);
      for (const merge of this.kept.values()) for (const id of merge.added) if (changed.has(id)) merge.stale = true;
    });
  }

  /** `build` as it should be served to a person whose last viewed listing is `viewed`. */
  async serve(userId: string | undefined, build: FirstBuild, viewed: string | undefined): Promise<FirstBuild> {
    if (!userId || !viewed || viewed === build.viewed || !build.anchors) return build;
    // FEED_VIEWS=rebuild: a view gave a fresh build instead, one that read the page's list (feed.ts).
    if (this.app.config.feedViews === 'rebuild') return build;
    const key = `${build.feedId}>${viewed}`;
    const kept = this.kept.get(key);
    if (kept && !kept.stale) return kept.served;
    // Kept before the first await: the requests that follow a view at once wait for this merge.
    const added = new Set<string>();
    const merged = this.merge(userId, build, viewed, added, kept?.added).catch((err: Error) => {
      this.app.log.warn({ component: 'feed', err: err.message }, 'merging a viewed page failed; feed served as built');
      return undefined;
    });
    const served = merged.then((m) => {
      // Nothing to merge yet (the page's list not cached: it may be computing now) or a failure: asked again next time.
      if (!m && this.kept.get(key)?.served === served) this.kept.delete(key);
      return m ?? build;
    });
    this.kept.set(key, { served, added });
    return served;
  }

  /**
   * The merged build (the ids it may add into `added`); undefined when the viewed page's list is not cached
   * and no earlier merge of it is known. A change to a listing on the page drops its cached list: the
   * listings an earlier merge took from it are merged again then, read as they are now.
   */
  private async merge(
    userId: string,
    build: FirstBuild,
    viewed: string,
    added: Set<string>,
    earlier: Set<string> | undefined,
  ): Promise<FirstBuild | undefined> {
    const { redis, config, metrics } = this.app;
    const page = await new SimilarService(this.app).shown(viewed, SIMILAR_PAGE_SIZE);
    const shown = page ? page.items.map((i) => i.id) : earlier && [...earlier];
    if (!shown) return undefined;
    const [profile, stored] = await Promise.all([
      loadUserProfile(redis, config.redis.namespace, userId),
      this.orders.read(build.feedId),
    ]);
    // The stored order outlives the build (15 against 5 minutes): without it there is nothing to page.
    if (!stored) return build;
    const skip = new Set([
      ...stored.order.map((o) => o.id),
      ...(profile?.liked_listing_ids ?? []),
      ...(profile?.purchased_listing_ids ?? []),
    ]);
    const ids = shown.filter((id) => !skip.has(id));
    // Before the read: a change heard while it runs drops this merge too.
    for (const id of ids) added.add(id);
    // Read as they are now: a listing shown on the page and sold since is not merged.
    const docs = (await this.app.recentListings.read(ids)).filter(
      (d): d is ListingDocument => d !== undefined && d.status === 'on_sale',
    );
    if (docs.length === 0) {
      metrics.feedPageMerges.inc({ outcome: 'unchanged' });
      return { ...build, viewed };
    }
    const entries = await scoreAfterBuild(this.app, profile, docs, build.anchors!, 'similar');
    const merged = await storeMerged(this.orders, build, stored, entries.map(scoredItem), this.firstItems);
    metrics.feedPageMerges.inc({ outcome: 'merged' });
    return { ...merged, viewed };
  }
}
