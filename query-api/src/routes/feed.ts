import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { ValidationError, type ListingDocument } from '../../../core/src/index.js';
import { loadUserProfile, profileVersionKey } from '../profiles/profile-store.js';
import { buildFeed } from '../recommendations/feed.js';
import { Problem } from '../schemas/problem.js';
import { ListingItem } from '../schemas/search.js';
import { esCall } from '../search/es-errors.js';
import { SOURCE_FIELDS } from '../search/search-request.js';
import { toItem } from '../search/search-service.js';

const FEED_LENGTH = 200;
const FEED_TTL_S = 900;

const FeedQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const FeedResponse = Type.Object({
  feed_id: Type.String(),
  personalized: Type.Boolean(),
  items: Type.Array(Type.Intersect([ListingItem, Type.Object({ source: Type.String() })])),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The home feed. The first page computes the ranked feed once and keeps its order in Redis for 15
 * minutes under a feed id; later pages (cursor = feed id + offset) read that order, so scrolling never
 * repeats or skips, and re-check every item's status so a listing sold meanwhile is not served.
 */
export const feedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const key = (feedId: string) => `${app.config.queue.prefix}:feed:${feedId}`;

  app.get('/v1/feed', { schema: { tags: ['recommendations'], summary: 'Personal home feed (cold start for unknown users)', querystring: FeedQuery, response: { 200: FeedResponse, 400: Problem, 503: Problem } } }, async (req) => {
    const size = req.query.size ?? 20;
    let feedId: string;
    let offset = 0;
    let order: Array<{ id: string; score: number; source: string }>;
    let personalized: boolean;
    if (req.query.cursor) {
      const [id, off] = Buffer.from(req.query.cursor, 'base64url').toString('utf8').split(':');
      const raw = id ? await app.redis.get(key(id)) : null;
      if (!raw || !/^\d+$/.test(off ?? '')) throw new ValidationError('cursor expired or malformed; reload the feed', [{ path: 'cursor', message: 'expired or malformed' }]);
      feedId = id!;
      offset = Number(off);
      ({ order, personalized } = JSON.parse(raw) as { order: typeof order; personalized: boolean });
    } else {
      // The first page is cached per user and profile version: a new event (which bumps the version)
      // or a change to a listing on the page gives a fresh feed.
      const userId = req.query.user_id;
      const version = userId ? ((await app.redis.get(profileVersionKey(app.config.queue.prefix, userId))) ?? '0') : '-';
      const { value } = await app.cache.getOrCompute(`feed:${userId ?? ''}:${version}`, async () => {
        const profile = userId ? await loadUserProfile(app.redis, app.config.queue.prefix, userId) : undefined;
        const feed = await buildFeed(app, profile, FEED_LENGTH);
        const id = randomUUID();
        const built = { feedId: id, personalized: profile !== undefined, order: feed.map((e) => ({ id: e.doc.id, score: Math.round(e.score * 1e4) / 1e4, source: e.source })) };
        await app.redis.set(key(id), JSON.stringify({ order: built.order, personalized: built.personalized }), 'EX', FEED_TTL_S);
        return { value: built, ids: built.order.slice(0, 60).map((o) => o.id) };
      });
      ({ feedId, personalized, order } = value);
    }
    const page = order.slice(offset, offset + size);
    const docs = page.length
      ? await esCall('mget', () => app.es.mget<ListingDocument>({ index: app.config.elasticsearch.alias, ids: page.map((p) => p.id), _source: SOURCE_FIELDS }))
      : { docs: [] };
    const items = docs.docs.flatMap((d, i) => {
      const src = 'found' in d && d.found ? d._source : undefined;
      return src && src.status === 'on_sale' ? [{ ...toItem(src, page[i]!.score), source: page[i]!.source }] : [];
    });
    const end = offset + size;
    return { feed_id: feedId, personalized, items, next_cursor: end < order.length ? Buffer.from(`${feedId}:${end}`).toString('base64url') : null };
  });
};
