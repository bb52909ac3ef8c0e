import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SIMILAR_PAGE_SIZE, SimilarService } from '../recommendations/similar-service.js';
import { Problem } from '../schemas/problem.js';
import { ListingItem } from '../schemas/search.js';

const SimilarParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }) });
const SimilarQuery = Type.Object(
  { size: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: SIMILAR_PAGE_SIZE })) },
  { additionalProperties: false },
);
const SimilarItem = Type.Intersect([ListingItem, Type.Object({ reasons: Type.Array(Type.String()) })]);
const SimilarResponse = Type.Object({ items: Type.Array(SimilarItem) });

/** Similar items for a listing page (recommendations/similar-service.ts). */
export const similarRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new SimilarService(app);
  app.get(
    '/v1/listings/:id/similar',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Similar items for a listing page, with a reason per item',
        params: SimilarParams,
        querystring: SimilarQuery,
        response: { 200: SimilarResponse, 400: Problem, 404: Problem, 503: Problem },
      },
    },
    async (req) => service.similar(req.params.id, req.query.size ?? SIMILAR_PAGE_SIZE),
  );
};
