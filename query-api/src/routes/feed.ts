import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { FEED_ORDER_TTL_S, redisKeys, ValidationError, type ListingDocument } from '../../../core/src/index.js';
import { assertScope } from '../plugins/auth.js';
import { loadUserProfile } from '../profiles/profile-store.js';
import { buildFeed } from '../recommendations/feed.js';
import { recsWeights } from '../recommendations/weights.js';
import { Problem } from '../schemas/problem.js';
import { ListingItem } from '../schemas/search.js';
import { CursorCodec, invalidCursor } from '../search/cursor.js';
import { esCall } from '../search/es-errors.js';
import { foundSources } from '../search/mget.js';
import { SOURCE_FIELDS } from '../search/search-request.js';
import { toItem } from '../search/search-service.js';

const FEED_LENGTH = 200;
/**
 * How long a user's first build is reused while their profile does not change (an event rebuilds it
 * at once): new listings reach a returning user's feed within this; sold ones leave by invalidation.
 */
const FIRST_BUILD_TTL_S = 300;

const FeedQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
const FeedItem = Type.Intersect([ListingItem, Type.Object({ source: Type.String() })]);
const FeedResponse = Type.Object({
  feed_id: Type.String(),
  personalized: Type.Boolean(),
  items: Type.Array(FeedItem),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

/** Entries kept as full items in the cached first build: the pages a user opens first, served without a fetch. */
const CACHED_ITEMS = 60;

type Order = Array<{ id: string; score: number; source: string }>;
type FeedItem = Static<typeof FeedItem>;

/**
 * The home feed. The first page computes the ranked feed once and keeps its order in Redis for 15
 * minutes under a feed id; later pages (cursor = feed id + offset) read that order, so scrolling never
 * repeats or skips, and re-check every item's status so a listing sold meanwhile is not served.
 * The first build is also cached per user and profile version with its first CACHED_ITEMS items
 * whole: those ids invalidate the entry when one of them changes, so a first page comes from the
 * cache without a fetch and still never shows a sold item.
 */
export const feedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  recsWeights(app); // a bad RECS_WEIGHTS fails the boot, not the first request
  const keys = redisKeys(app.config.redis.namespace);
  const key = keys.feed;
  // Signed like search cursors (one codec): a feed id or offset cannot be made up or edited.
  const cursors = new CursorCodec(app.config.cursorSecrets);
  const cursorAt = (feedId: string, offset: number) => cursors.encode('feed', '', { feed: feedId, offset });
  const readCursor = (cursor: string) => {
    const c = cursors.decode('feed', '', cursor) as { feed?: unknown; offset?: unknown } | null;
    if (typeof c?.feed !== 'string' || !Number.isSafeInteger(c.offset) || (c.offset as number) < 0) throw invalidCursor('is malformed');
    return { id: c.feed, offset: c.offset as number };
  };

  /** Current documents for ids, in order; anything no longer on sale is dropped. */
  async function freshItems(page: Order): Promise<FeedItem[]> {
    if (page.length === 0) return [];
    const docs = await esCall('mget', () => app.es.mget<ListingDocument>({ index: app.config.elasticsearch.alias, ids: page.map((p) => p.id), _source: SOURCE_FIELDS }));
    return foundSources(docs).flatMap((src, i) => (src && src.status === 'on_sale' ? [{ ...toItem(src, page[i]!.score), source: page[i]!.source }] : []));
  }

  app.get('/v1/feed', { schema: { tags: ['recommendations'], summary: 'Personal home feed (cold start for unknown users)', querystring: FeedQuery, response: { 200: FeedResponse, 400: Problem, 401: Problem, 403: Problem, 429: Problem, 503: Problem } } }, async (req) => {
    // A personal feed shows what a person searched and liked ("search:<their query>"): users scope only.
    if (req.query.user_id !== undefined) assertScope(req, 'users', 'a feed for a user_id');
    const size = req.query.size ?? 20;
    if (req.query.cursor) {
      const { id, offset } = readCursor(req.query.cursor);
      const raw = await app.redis.get(key(id));
      if (!raw) throw new ValidationError('cursor expired; reload the feed', [{ path: 'cursor', message: 'expired' }]);
      const { order, personalized } = JSON.parse(raw) as { order: Order; personalized: boolean };
      // A personal feed shows the person's recent searches (`source`): its later pages need the same
      // scope as its first, or a cursor passed on would be a way around it.
      if (personalized) assertScope(req, 'users', 'a later page of a personal feed');
      const end = offset + size;
      return { feed_id: id, personalized, items: await freshItems(order.slice(offset, end)), next_cursor: end < order.length ? cursorAt(id, end) : null };
    }
    // A new event (which bumps the profile version) or a change to a listing among the cached items
    // gives a fresh build.
    const userId = req.query.user_id;
    const version = userId ? ((await app.redis.get(keys.profile(userId).version)) ?? '0') : '-';
    const { value } = await app.cache.getOrCompute(`feed:${userId ?? ''}:${version}`, async () => {
      const profile = userId ? await loadUserProfile(app.redis, app.config.redis.namespace, userId) : undefined;
      const feed = await buildFeed(app, profile, FEED_LENGTH);
      const feedId = randomUUID();
      const order: Order = feed.map((e) => ({ id: e.doc.id, score: Math.round(e.score * 1e4) / 1e4, source: e.source }));
      const personalized = profile !== undefined;
      await app.redis.set(key(feedId), JSON.stringify({ order, personalized }), 'EX', FEED_ORDER_TTL_S);
      const items = feed.slice(0, CACHED_ITEMS).map((e, i) => ({ ...toItem(e.doc, order[i]!.score), source: e.source }));
      return { value: { feedId, personalized, items, length: order.length }, ids: items.map((i) => i.id) };
    }, { ttlSeconds: userId ? FIRST_BUILD_TTL_S : undefined });
    // CACHED_ITEMS exceeds the largest page, so a first page always comes whole from the cache.
    const { feedId, personalized, items, length } = value;
    return { feed_id: feedId, personalized, items: items.slice(0, size), next_cursor: size < length ? cursorAt(feedId, size) : null };
  });
};
