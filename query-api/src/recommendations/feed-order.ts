import type { Redis } from 'ioredis';
import { FEED_ORDER_TTL_S, redisKeys, type ListingDocument } from '../../../core/src/index.js';
import type { ScaleAnchors } from '../../../ranking/src/feed-features.js';
import type { ListingItem } from '../schemas/search.js';
import type { TextSourceCuts } from './feed.js';
import { ShownListing } from '../search/listing-items.js';

/** A feed's ranked order as stored under its feed id: what cursors page through. */
export type Order = Array<{ id: string; score: number; source: string }>;

/** What is stored under a feed id. */
export interface StoredFeed {
  order: Order;
  personalized: boolean;
  /** Absent on orders stored before it was recorded. */
  ranker?: string;
}

/** A feed item: a listing and the source that put it on the feed. */
export type FeedPageItem = ListingItem & { source: string };

export const round4 = (score: number) => Math.round(score * 1e4) / 1e4;

/** A feed item as one object (listing-items.ts): cached first builds hold 60 of them each. */
class FeedItem extends ShownListing {
  declare source: string;

  constructor(doc: ListingDocument, entry: { score: number; source: string }) {
    super(doc, entry.score);
    this.source = entry.source;
  }
}

export const feedItem = (doc: ListingDocument, entry: { score: number; source: string }): FeedPageItem =>
  new FeedItem(doc, entry);

export const orderEntry = (item: FeedPageItem) => ({ id: item.id, score: item.score, source: item.source });

/** A listing scored after a build (late-fresh.ts, page-merges.ts) as a cached feed item, its score rounded as stored. */
export const scoredItem = (e: { doc: ListingDocument; score: number; source: string }): FeedPageItem =>
  feedItem(e.doc, { score: round4(e.score), source: e.source });

/** A cached first build: its first items whole, and what merges after it need (late-fresh.ts, page-merges.ts). */
export interface FirstBuild {
  feedId: string;
  personalized: boolean;
  ranker: string;
  items: FeedPageItem[];
  length: number;
  /** Absent on entries cached before merges existed: those are served as built. */
  anchors?: ScaleAnchors;
  fresh?: string[];
  textCuts?: TextSourceCuts;
  /** The listing the person viewed last when it was built: a page viewed since is merged in (page-merges.ts). */
  viewed?: string;
}

/** The stored feeds of one Redis namespace: written once per build or merge, read by every later page. */
export class FeedOrders {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  async store(feedId: string, feed: StoredFeed): Promise<void> {
    await this.redis.set(this.key(feedId), JSON.stringify(feed), 'EX', FEED_ORDER_TTL_S);
  }

  /** The stored feed, or undefined once it expired (FEED_ORDER_TTL_S). */
  async read(feedId: string): Promise<StoredFeed | undefined> {
    const raw = await this.redis.get(this.key(feedId));
    return raw ? (JSON.parse(raw) as StoredFeed) : undefined;
  }

  private key(feedId: string): string {
    return redisKeys(this.namespace).feed(feedId);
  }
}
