import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Problem } from '../schemas/problem.js';
import { SearchQuery, SearchResponse } from '../schemas/search.js';
import { SearchService } from '../search/search-service.js';
import { SerializedPages } from '../search/serialized-pages.js';
import { loadUserProfile } from '../profiles/profile-store.js';
import { assertScope } from '../plugins/auth.js';
import type { FastifyRequest } from 'fastify';

/**
 * Per-user search (personal features, A/B bucket) reads a person's profile, and suspended listings are
 * moderation's: both only for callers trusted with them (docs/operations.md, "Trust model").
 */
function assertSearchAllowed(req: FastifyRequest, q: SearchQuery): void {
  if (q.user_id !== undefined) assertScope(req, 'users', 'a search with user_id');
  if (q.status === 'suspended') assertScope(req, 'operator', 'a search of suspended listings');
}

const ExplainResponse = Type.Intersect([
  SearchResponse,
  Type.Object({
    explain: Type.Array(
      Type.Object({
        id: Type.String(),
        final_rank: Type.Integer(),
        bm25_rank: Type.Union([Type.Integer(), Type.Null()], {
          description: 'null: found by the semantic retriever only',
        }),
        knn_rank: Type.Union([Type.Integer(), Type.Null()], {
          description: 'rank among the nearest listings by text embedding; null: not among them',
        }),
        bm25: Type.Number(),
        semantic: Type.Union([Type.Number(), Type.Null()], {
          description: 'cosine of the query and listing text embeddings; null: no embedding',
        }),
        model_score: Type.Number(),
        features: Type.Record(Type.String(), Type.Number()),
      }),
    ),
  }),
]);

export const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new SearchService(app, (userId) => loadUserProfile(app.redis, app.config.redis.namespace, userId));
  const errors = { 400: Problem, 401: Problem, 403: Problem, 429: Problem, 503: Problem };
  const { cache } = app.config;
  // First pages only: a later relevance page is read fresh (sold listings dropped) on every request.
  const firstPages =
    cache.ttlSeconds > 0
      ? new SerializedPages({ max: cache.memoryItems, maxBytes: cache.memoryBytes / 4, ttlMs: cache.memoryTtlMs })
      : undefined;

  app.get(
    '/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'The search bar: query, filters, facets, sort, cursor',
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...errors },
      },
    },
    async (req, reply) => {
      assertSearchAllowed(req, req.query);
      const page = await service.search(req.query);
      // Which cache layer served it (memory | redis | shared | miss | window): for the workbench and curl -i.
      reply.header('x-cache', page.cache);
      if (!firstPages || req.query.cursor) return page;
      const body = firstPages.body(
        `${page.query_id}:${req.query.size ?? ''}`,
        page,
        page.took_ms,
        (p) => reply.serialize(p) as string,
      );
      // Already the schema's serialization (typed replies only know objects): sent as is.
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );

  app.get(
    '/v1/search/explain',
    {
      schema: {
        tags: ['search'],
        summary: 'One search with, per result, its features, model score, BM25 score and rank change (operator scope)',
        querystring: SearchQuery,
        response: { 200: ExplainResponse, ...errors },
      },
      onRequest: app.requireScope('operator'),
    },
    async (req, reply) => {
      const res = await service.search({ ...req.query, cursor: undefined }, { explain: true });
      reply.header('x-cache', res.cache);
      return { ...res, explain: (res.explain ?? []).slice(0, req.query.size ?? 20) };
    },
  );
};
