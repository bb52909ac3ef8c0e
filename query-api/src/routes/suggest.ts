import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Problem } from '../schemas/problem.js';
import { esCall } from '../search/es-errors.js';

/**
 * Control characters other than whitespace are refused: the completion suggester reserves some of
 * them (0x1E, 0x1F) and fails the whole request on them, and no keyboard types any of them.
 */
const NO_CONTROL_CHARS = '^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u009F]*$';
const SuggestQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 60, pattern: NO_CONTROL_CHARS, description: 'the prefix typed so far; no control characters' }), size: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 8 })) },
  { additionalProperties: false },
);
const SuggestResponse = Type.Object({ suggestions: Type.Array(Type.Object({ text: Type.String(), score: Type.Number() })) });

/**
 * Autocomplete: the completion suggester on `suggest` (each listing contributes its title from every
 * word, weighted by popularity), prefix-matching with one typo allowed after the first letters. Only
 * listings on sale contribute (a status context); duplicates collapse.
 */
export const suggestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/suggest', { schema: { tags: ['search'], summary: 'Completions as the user types', querystring: SuggestQuery, response: { 200: SuggestResponse, 400: Problem, 503: Problem } } }, async (req) => {
    const q = req.query.q.trim().toLowerCase().replace(/\s+/g, ' ');
    const size = req.query.size ?? 8;
    const { value } = await app.cache.getOrCompute(`suggest:${q}:${size}`, async () => {
      const res = await esCall('suggest', () =>
        app.es.search({
          index: app.config.elasticsearch.alias,
          size: 0,
          _source: false,
          suggest: {
            s: {
              prefix: q,
              completion: {
                field: 'suggest',
                size: size * 4,
                skip_duplicates: true,
                fuzzy: { fuzziness: q.length < 4 ? 0 : 1, prefix_length: 2, min_length: 4 },
                contexts: { status: ['on_sale'] },
              },
            },
          },
        }),
        (op, s) => app.metrics.esDuration.observe({ op }, s),
      );
      const options = ((res.suggest?.s?.[0]?.options ?? []) as Array<{ text: string; _score?: number }>);
      const seen = new Set<string>();
      const suggestions = [];
      for (const o of options) {
        if (seen.has(o.text)) continue;
        seen.add(o.text);
        suggestions.push({ text: o.text, score: o._score ?? 0 });
        if (suggestions.length >= size) break;
      }
      return { value: { suggestions }, ids: [] };
    });
    return value;
  });
};
