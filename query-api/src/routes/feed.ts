import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { assertScope } from '../plugins/auth.js';
import { FeedService } from '../recommendations/feed-service.js';
import { Problem } from '../schemas/problem.js';
import { ListingItem } from '../schemas/search.js';

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
  ranker: Type.Optional(
    Type.String({ description: 'what ordered the feed: `blend` or the learned model, `onnx:<name>@<version>`' }),
  ),
  items: Type.Array(FeedItem),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The home feed: a first page (personal with user_id, cold start without), then later pages by the
 * signed cursor each page returns. The feed itself is recommendations/feed-service.ts.
 */
export const feedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const feeds = new FeedService(app);
  const errors = { 400: Problem, 401: Problem, 403: Problem, 429: Problem, 503: Problem };

  app.get(
    '/v1/feed',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Personal home feed (cold start for unknown users)',
        querystring: FeedQuery,
        response: { 200: FeedResponse, ...errors },
      },
    },
    async (req) => {
      // A personal feed shows what a person searched and liked ("search:<their query>"): users scope only.
      if (req.query.user_id !== undefined) assertScope(req, 'users', 'a feed for a user_id');
      const size = req.query.size ?? 20;
      if (!req.query.cursor) return feeds.firstPage(req.query.user_id, size);
      const feed = await feeds.resume(req.query.cursor);
      // A personal feed shows the person's recent searches (`source`): its later pages need the same
      // scope as its first, or a cursor passed on would be a way around it.
      if (feed.personalized) assertScope(req, 'users', 'a later page of a personal feed');
      return feeds.laterPage(feed, size);
    },
  );
};
