import type { FastifyInstance } from 'fastify';
import { esCall } from './es-errors.js';

/** One completion and its weight (the listing's popularity, less for a fuzzy match). */
export interface Suggestion {
  text: string;
  score: number;
}

/**
 * Autocomplete: the completion suggester on `suggest` (each listing contributes its title from every
 * word, weighted by popularity), prefix-matching with one typo allowed after the first letters. Only
 * listings on sale contribute (a status context); duplicates collapse. Answers are result-cached by
 * the normalised prefix and size.
 */
export class SuggestService {
  constructor(private readonly app: FastifyInstance) {}

  /** Up to `size` completions of `prefix` (case and runs of whitespace do not matter). */
  async suggest(prefix: string, size: number): Promise<{ suggestions: Suggestion[] }> {
    const q = prefix.trim().toLowerCase().replace(/\s+/g, ' ');
    const { value } = await this.app.cache.getOrCompute(`suggest:${q}:${size}`, async () => ({
      value: { suggestions: await this.complete(q, size) },
      ids: [],
    }));
    return value;
  }

  private async complete(q: string, size: number): Promise<Suggestion[]> {
    const { es, config, metrics } = this.app;
    const res = await esCall(
      'suggest',
      () =>
        es.search({
          index: config.elasticsearch.alias,
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
      (op, s) => metrics.esDuration.observe({ op }, s),
    );
    const options = (res.suggest?.s?.[0]?.options ?? []) as Array<{ text: string; _score?: number }>;
    const seen = new Set<string>();
    const suggestions: Suggestion[] = [];
    for (const o of options) {
      if (seen.has(o.text)) continue;
      seen.add(o.text);
      suggestions.push({ text: o.text, score: o._score ?? 0 });
      if (suggestions.length >= size) break;
    }
    return suggestions;
  }
}
