import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { redisKeys, ValidationError, type ListingDocument } from '../../../core/src/index.js';
import { execPipeline } from '../../../core/src/redis-pipeline.js';
import { CursorCodec, decodeFeedCursor, encodeFeedCursor } from '../cursor.js';
import { loadUserProfile } from '../profiles/profile-store.js';
import { esCall } from '../search/es-errors.js';
import { foundSources } from '../search/mget.js';
import { SOURCE_FIELDS } from '../search/search-request.js';
import { buildFeed } from './feed.js';
import { feedItem, FeedOrders, round4, type FeedPageItem, type FirstBuild, type Order } from './feed-order.js';
import { LateFreshMerges } from './late-fresh.js';
import { PageMerges } from './page-merges.js';
import { recsWeights } from './weights.js';

export type { FeedPageItem } from './feed-order.js';

const FEED_LENGTH = 200;
/**
 * How long a user's first build is reused while their profile does not change (an event rebuilds it
 * at once): sold listings leave by invalidation, new ones on the fresh list are merged in (late-fresh.ts),
 * and what else a new listing may enter (a personal source's list) reaches the feed within this.
 */
const FIRST_BUILD_TTL_S = 300;
/** Entries kept as full items in the cached first build: the pages a user opens first, served without a fetch. */
const CACHED_ITEMS = 60;

/** One page of a feed, as the API answers it. */
export interface FeedPage {
  feed_id: string;
  personalized: boolean;
  /** What ordered the feed: `blend` or the learned model (`onnx:feed-ltr@<version>`); absent on orders stored before it was recorded. */
  ranker?: string;
  items: FeedPageItem[];
  next_cursor: string | null;
}

/** A stored feed order a cursor points into: read first, so the caller can check scope before paging. */
export interface ResumedFeed {
  feedId: string;
  offset: number;
  order: Order;
  personalized: boolean;
  ranker?: string;
}

/**
 * The home feed. The first page computes the ranked feed once and keeps its order in Redis for 15
 * minutes under a feed id; later pages (a signed cursor = feed id + offset) read that order, so
 * scrolling never repeats or skips, and re-check every item's status so a listing sold meanwhile is not
 * served. The first build is also cached per user and profile version with its first CACHED_ITEMS
 * items whole: those ids invalidate the entry when one of them changes, so a first page comes from the
 * cache without a fetch and still never shows a sold item, and listings published since are merged in
 * as they reach the fresh list (late-fresh.ts), as are the similar items of a listing page the person
 * viewed since (page-merges.ts).
 */
export class FeedService {
  // Signed like search cursors (one codec): a feed id or offset cannot be made up or edited.
  private readonly cursors: CursorCodec;
  private readonly orders: FeedOrders;
  private readonly lateFresh: LateFreshMerges;
  private readonly pageMerges: PageMerges;

  constructor(private readonly app: FastifyInstance) {
    recsWeights(app); // a bad RECS_WEIGHTS fails the boot, not the first request
    this.cursors = new CursorCodec(app.config.cursorSecrets);
    this.orders = new FeedOrders(app.cacheRedis, app.config.redis.namespace);
    this.lateFresh = new LateFreshMerges(app, this.orders, CACHED_ITEMS);
    this.pageMerges = new PageMerges(app, this.orders, CACHED_ITEMS);
  }

  /** The first page of the feed for `userId` (the cold-start mix without one). */
  async firstPage(userId: string | undefined, size: number): Promise<FeedPage> {
    const { redis, config } = this.app;
    // A new event (which bumps the profile version; a view does not, page-merges.ts) or a change to a listing
    // among the cached items gives a fresh build. One round trip reads the version and the last viewed listing.
    const [version, viewed] = userId ? await this.versionAndViewed(userId) : ['-', undefined];
    const { value } = await this.app.cache.getOrCompute(
      `feed:${userId ?? ''}:${version}`,
      async () => {
        const profile = userId ? await loadUserProfile(redis, config.redis.namespace, userId) : undefined;
        const { entries: feed, ranker, anchors, fresh, textCuts } = await buildFeed(this.app, profile, FEED_LENGTH);
        this.app.metrics.feedBuilds.inc({ ranker });
        const feedId = randomUUID();
        const order: Order = feed.map((e) => ({ id: e.doc.id, score: round4(e.score), source: e.source }));
        const personalized = profile !== undefined;
        await this.orders.store(feedId, { order, personalized, ranker });
        const items = feed.slice(0, CACHED_ITEMS).map((e, i) => feedItem(e.doc, order[i]!));
        const built: FirstBuild = {
          feedId,
          personalized,
          ranker,
          items,
          length: order.length,
          anchors,
          fresh,
          textCuts,
          ...(profile?.recent_listing_ids[0] ? { viewed: profile.recent_listing_ids[0] } : {}),
        };
        return { value: built, ids: items.map((i) => i.id) };
      },
      { ttlSeconds: userId ? FIRST_BUILD_TTL_S : undefined },
    );
    // CACHED_ITEMS exceeds the largest page, so a first page always comes whole from the cache.
    const paged = await this.pageMerges.serve(userId, value, viewed);
    const { feedId, personalized, ranker, items, length } = await this.lateFresh.serve(userId, paged);
    const next_cursor = size < length ? this.cursorAt(feedId, size) : null;
    return { feed_id: feedId, personalized, ranker, items: items.slice(0, size), next_cursor };
  }

  /** The person's profile version ('0' before any event) and the listing they viewed last, if any. */
  private async versionAndViewed(userId: string): Promise<[string, string | undefined]> {
    const k = redisKeys(this.app.config.redis.namespace).profile(userId);
    const [version, viewed] = (await execPipeline(this.app.redis.pipeline().get(k.version).lindex(k.recent, 0))) as [
      string | null,
      string | null,
    ];
    return [version ?? '0', viewed ?? undefined];
  }

  /** The stored feed a cursor points into; a 400 for a cursor this API did not sign or whose feed expired. */
  async resume(cursor: string): Promise<ResumedFeed> {
    const { feed, offset } = decodeFeedCursor(this.cursors, cursor);
    const stored = await this.orders.read(feed);
    if (!stored) throw new ValidationError('cursor expired; reload the feed', [{ path: 'cursor', message: 'expired' }]);
    const { order, personalized, ranker } = stored;
    return { feedId: feed, offset, order, personalized, ...(ranker ? { ranker } : {}) };
  }

  /** The page of `size` items at the resumed feed's offset, read fresh (sold listings dropped). */
  async laterPage(feed: ResumedFeed, size: number): Promise<FeedPage> {
    const end = feed.offset + size;
    return {
      feed_id: feed.feedId,
      personalized: feed.personalized,
      ...(feed.ranker ? { ranker: feed.ranker } : {}),
      items: await this.freshItems(feed.order.slice(feed.offset, end)),
      next_cursor: end < feed.order.length ? this.cursorAt(feed.feedId, end) : null,
    };
  }

  private cursorAt(feedId: string, offset: number): string {
    return encodeFeedCursor(this.cursors, { feed: feedId, offset });
  }

  /** Current documents for ids, in order; anything no longer on sale is dropped. */
  private async freshItems(page: Order): Promise<FeedPageItem[]> {
    if (page.length === 0) return [];
    const { es, config } = this.app;
    const request = { index: config.elasticsearch.alias, ids: page.map((p) => p.id), _source: SOURCE_FIELDS };
    const docs = await esCall('mget', () => es.mget<ListingDocument>(request));
    return foundSources(docs).flatMap((src, i) => (src && src.status === 'on_sale' ? [feedItem(src, page[i]!)] : []));
  }
}
