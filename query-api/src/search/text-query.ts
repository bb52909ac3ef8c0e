/**
 * The BM25 text-relevance query: multi-field over title (boosted), brand, category and description,
 * typo tolerance that leaves short words alone (AUTO:4,8 means no edits under 4 characters), search-time
 * synonyms (the english_search analyzer) and a phrase-proximity boost. It is shared by the search
 * route and by the training-data exporter so that training sees the same BM25 scores as serving.
 * User text only ever goes into match-family queries: never query_string, never a script.
 */
export function textQuery(q: string): Record<string, unknown> {
  const text = q.trim();
  if (!text) return { match_all: {} };
  return {
    bool: {
      must: [
        {
          multi_match: {
            query: text,
            type: 'most_fields',
            fields: ['title^3', 'title.exact^2', 'brand.text^2', 'category_text^1.5', 'description^0.5'],
            fuzziness: 'AUTO:4,8',
            prefix_length: 1,
            max_expansions: 20,
            operator: 'or',
            minimum_should_match: '2<75%',
          },
        },
      ],
      should: [
        { match_phrase: { 'title.exact': { query: text, slop: 2, boost: 2 } } },
        { match_phrase: { title: { query: text, slop: 1, boost: 1 } } },
      ],
    },
  };
}
