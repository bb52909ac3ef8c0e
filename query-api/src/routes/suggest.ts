import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Problem } from '../schemas/problem.js';
import { SuggestService } from '../search/suggest-service.js';

/**
 * Control characters other than whitespace are refused: the completion suggester reserves some of
 * them (0x1E, 0x1F) and fails the whole request on them, and no keyboard types any of them.
 */
const NO_CONTROL_CHARS = '^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u009F]*$';
const SuggestQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 60,
      pattern: NO_CONTROL_CHARS,
      description: 'the prefix typed so far; no control characters',
    }),
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 8 })),
  },
  { additionalProperties: false },
);
const SuggestResponse = Type.Object({
  suggestions: Type.Array(Type.Object({ text: Type.String(), score: Type.Number() })),
});

/** Autocomplete as the user types (search/suggest-service.ts). */
export const suggestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const suggester = new SuggestService(app);
  app.get(
    '/v1/suggest',
    {
      schema: {
        tags: ['search'],
        summary: 'Completions as the user types',
        querystring: SuggestQuery,
        response: { 200: SuggestResponse, 400: Problem, 503: Problem },
      },
    },
    async (req) => suggester.suggest(req.query.q, req.query.size ?? 8),
  );
};
