import type { estypes } from '@elastic/elasticsearch';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The listings index: explicit mapping (dynamic: strict, so a stray field is a rejected document, not
 * a silent mapping explosion), English analysis with ASCII folding, search-time synonyms from
 * core/synonyms/en.txt, a completion field for autocomplete and keyword fields for filters and facets.
 * Versioned index names sit behind an alias so a reindex can swap atomically.
 */
export const INDEX_DEFINITION_VERSION = 4;

/** Listings on sale (the filter of every recommendation: feed, similar items, popular lists). */
export const ON_SALE: estypes.QueryDslQueryContainer = { term: { status: 'on_sale' } };

/** Dimensions of the listing embedding (all-MiniLM-L6-v2; core/src/text-embedder.ts; the API checks its model against it). */
export const EMBEDDING_DIMS = 384;

const SYNONYMS_FILE = fileURLToPath(new URL('../synonyms/en.txt', import.meta.url));

export function loadSynonyms(file = SYNONYMS_FILE): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** A fresh physical index name for the alias: `<alias>-v<definition>-<timestamp>`. */
export function physicalIndexName(alias: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:T.Z]/g, '')
    .slice(0, 17);
  return `${alias}-v${INDEX_DEFINITION_VERSION}-${stamp}`;
}

export interface IndexOptions {
  shards: number;
  replicas: number;
  refreshInterval: string;
  synonyms?: string[];
}

export function indexSettings(opts: IndexOptions) {
  return {
    number_of_shards: opts.shards,
    number_of_replicas: opts.replicas,
    refresh_interval: opts.refreshInterval,
    'mapping.total_fields.limit': 200,
    max_result_window: 10_000,
    analysis: {
      filter: {
        listing_synonyms: { type: 'synonym_graph', synonyms: opts.synonyms ?? loadSynonyms() },
        autocomplete_edge: { type: 'edge_ngram', min_gram: 1, max_gram: 20 },
      },
      analyzer: {
        english_text: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['english_possessive', 'lowercase', 'asciifolding', 'porter_stem'],
        },
        english_search: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['english_possessive', 'lowercase', 'asciifolding', 'listing_synonyms', 'porter_stem'],
        },
        folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] },
        autocomplete_index: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['lowercase', 'asciifolding', 'autocomplete_edge'],
        },
      },
    },
    // Checked against the client's types (not `as const`: its readonly arrays fit no request type).
  } satisfies estypes.IndicesIndexSettings;
}

const keyword = { type: 'keyword' } as const;

export const indexMappings = {
  dynamic: 'strict',
  /**
   * The float embedding is indexed (HNSW and its vector storage) but not kept in the stored source: 384
   * floats as JSON are ~7 KB of a ~9 KB document, and every search decompressed and parsed them for each
   * of its ~300 candidates before filtering them out (Elasticsearch CPU per uncached search at 100,000
   * listings: docs/benchmarks.md, "What a correction costs, and the BM25 cut"). Nothing reads it back:
   * searches read `embedding_int8` doc values, and a reindex re-derives documents from the listing
   * fields and embeds them again.
   */
  _source: { excludes: ['embedding'] },
  properties: {
    id: keyword,
    seller_id: keyword,
    title: {
      type: 'text',
      analyzer: 'english_text',
      search_analyzer: 'english_search',
      fields: {
        exact: { type: 'text', analyzer: 'folded' },
        prefix: { type: 'text', analyzer: 'autocomplete_index', search_analyzer: 'folded' },
      },
    },
    description: { type: 'text', analyzer: 'english_text', search_analyzer: 'english_search' },
    category_path: keyword,
    category_l0: keyword,
    category_l1: keyword,
    category_l2: keyword,
    category_leaf: keyword,
    category_text: { type: 'text', analyzer: 'english_text', search_analyzer: 'english_search' },
    brand: { ...keyword, fields: { text: { type: 'text', analyzer: 'folded' } } },
    condition: keyword,
    price: { type: 'long' },
    currency: keyword,
    price_bucket: keyword,
    shipping_payer: keyword,
    status: keyword,
    created_at: { type: 'date' },
    updated_at: { type: 'date' },
    like_count: { type: 'integer' },
    view_count: { type: 'integer' },
    popularity: { type: 'float' },
    size: keyword,
    color: keyword,
    image_url: { type: 'keyword', index: false, doc_values: false },
    dedup_key: keyword,
    // The status context lets autocomplete skip sold listings (completion suggesters cannot filter otherwise).
    suggest: {
      type: 'completion',
      analyzer: 'folded',
      preserve_separators: true,
      max_input_length: 60,
      contexts: [{ name: 'status', type: 'category', path: 'status' }],
    },
    version: { type: 'long' },
    emitted_at: { type: 'date' },
    indexed_at: { type: 'date' },
    /**
     * Sentence embedding of title, brand and category (core/src/text-embedder.ts, unit length, so
     * dot_product is the cosine) for the semantic retriever's kNN search. Written after the text, in a
     * batched step of the indexer: a listing is searchable by its words first. int8_hnsw (ES 8 default
     * for float vectors) keeps the HNSW graph at a quarter of the float size.
     */
    embedding: {
      type: 'dense_vector',
      dims: EMBEDDING_DIMS,
      index: true,
      similarity: 'dot_product',
      index_options: { type: 'int8_hnsw' },
    },
    /** The same embedding, int8 (core/src/text-embedder.ts quantizeEmbedding), read with the hits of a search. */
    embedding_int8: { type: 'binary', doc_values: true },
  },
} satisfies estypes.MappingTypeMapping;
