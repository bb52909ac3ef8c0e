import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Problem } from '../schemas/problem.js';
import { ListingItem } from '../schemas/search.js';
import { similarListings } from '../recommendations/similar.js';
import { toItem } from '../search/search-service.js';

/** Similar lists change only when their listings do, and those changes drop them: keep them long. */
const SIMILAR_TTL_S = 600;

const SimilarResponse = Type.Object({ items: Type.Array(Type.Intersect([ListingItem, Type.Object({ reasons: Type.Array(Type.String()) })])) });

export const similarRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/listings/:id/similar', {
    schema: {
      tags: ['recommendations'],
      summary: 'Similar items for a listing page, with a reason per item',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }) }),
      querystring: Type.Object({ size: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 12 })) }, { additionalProperties: false }),
      response: { 200: SimilarResponse, 400: Problem, 404: Problem, 503: Problem },
    },
  }, async (req) => {
    const size = req.query.size ?? 12;
    const { value } = await app.cache.getOrCompute(`similar:${req.params.id}:${size}`, async () => {
      const similar = await similarListings(app, req.params.id, size);
      const items = similar.items.map((s) => ({ ...toItem(s.doc, s.score), reasons: s.reasons }));
      // The listing itself is among the ids: when it is sold or changed, its cached list goes too. A new
      // listing of its leaf category may belong on it (of any category, when the leaf was too sparse).
      const scope = [{ status: 'on_sale', ...(similar.sparse ? {} : { categoryLeaf: similar.leaf }) }];
      return { value: { items }, ids: [req.params.id, ...items.map((i) => i.id)], scope };
    }, { ttlSeconds: SIMILAR_TTL_S });
    return value;
  });
};
