import type { estypes } from '@elastic/elasticsearch';

/**
 * The BM25 text-relevance query: multi-field over title (boosted), brand, category and description,
 * typo tolerance that leaves short words alone (AUTO:4,8 means no edits under 4 characters), search-time
 * synonyms (the english_search analyzer) and a phrase-proximity boost. It is shared by the search
 * route and by the training-data exporter so that training sees the same BM25 scores as serving.
 * User text only ever goes into match-family queries: never query_string, never a script.
 */
const FIELDS = ['title^3', 'title.exact^2', 'brand.text^2', 'category_text^1.5', 'description^0.5'];
const TYPOS = { fuzziness: 'AUTO:4,8', prefix_length: 1, max_expansions: 20 } as const;
/**
 * The word-centric clause's fields: without typo tolerance and without title.exact (title has the same
 * words), it costs Elasticsearch plain term lookups; with them it halved what one node could serve.
 */
const WORD_FIELDS = ['title^3', 'brand.text^2', 'category_text^1.5', 'description^0.5'];
/** Up to two words all must match; of longer queries three in four. */
const MATCH_SHARE = '2<75%';
/** Words past these still count in the field-centric clause; they only make no clause of their own. */
const MAX_WORD_CLAUSES = 8;

export function textQuery(q: string): estypes.QueryDslQueryContainer {
  const text = q.trim();
  if (!text) return { match_all: {} };
  return {
    bool: {
      must: [matchQuery(text)],
      should: [
        { match_phrase: { 'title.exact': { query: text, slop: 2, boost: 2 } } },
        { match_phrase: { title: { query: text, slop: 1, boost: 1 } } },
      ],
    },
  };
}

/**
 * Which listings match, and their text score: the sum of a field-centric and a word-centric clause.
 * The field-centric one (most_fields) applies MATCH_SHARE to each field on its own, so the words must
 * meet in one field: it scores listings that say the whole query in their title highest, and it is
 * where multi-word synonyms ("cell phone" = "smartphone") work. Alone it misses what people ask for
 * across fields: "nike sneakers" for a listing titled "Air Max 90 sneakers" whose brand is Nike (in
 * the real Mercari sample, over a third of the listings with a brand do not repeat it in the title),
 * "bluetooth speaker" for a speaker that says Bluetooth in its description. The word-centric clause
 * asks each word to match in any field, with MATCH_SHARE over the words, so such listings match too
 * (scored by it alone, below those that match in one field).
 */
function matchQuery(text: string): estypes.QueryDslQueryContainer {
  const fieldCentric: estypes.QueryDslQueryContainer = {
    multi_match: {
      query: text,
      type: 'most_fields',
      fields: FIELDS,
      ...TYPOS,
      operator: 'or',
      minimum_should_match: MATCH_SHARE,
    },
  };
  const words = text
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .slice(0, MAX_WORD_CLAUSES);
  // One word matches the same listings either way.
  if (words.length < 2) return fieldCentric;
  const wordCentric: estypes.QueryDslQueryContainer = {
    bool: {
      should: words.map((w) => ({ multi_match: { query: w, type: 'best_fields', fields: WORD_FIELDS } })),
      minimum_should_match: MATCH_SHARE,
    },
  };
  return { bool: { should: [fieldCentric, wordCentric], minimum_should_match: 1 } };
}
