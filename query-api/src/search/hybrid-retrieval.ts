/**
 * Hybrid retrieval: BM25's top candidates united with the nearest listings by text embedding, each
 * candidate carrying both scores. Shared by the search service and the training-data exporter
 * (models/export/judged-data.ts), so the model trains on the candidates and scores it serves.
 *
 * Elasticsearch's rank fusion (RRF) is an x-pack feature the node here does not have, and the model
 * re-ranks the union anyway, so the union is made here: BM25 hits first in their order, then the kNN
 * hits BM25 did not find. The kNN search runs beside the BM25 one (after the query is embedded). Both
 * return each hit's int8 copy of its embedding (`embedding_int8` doc values) and the cosine is computed
 * here, for BM25 hits and kNN hits alike: no second request that would wait for BM25's ids. A kNN-only
 * hit has bm25 0 (it is below BM25's cut or does not match the words at all).
 */
import type { estypes } from '@elastic/elasticsearch';
import type { ListingDocument } from '../../../core/src/index.js';
import { cosineWithQuantized, quantizeEmbedding } from '../../../core/src/text-embedder.js';
import type { Candidate } from '../../../ranking/src/types.js';
import type { EntryScope } from '../cache/entry-scope.js';

/** How many nearest listings the semantic retriever adds (before the union). */
export const KNN_CANDIDATES = 100;
/** HNSW candidates visited per shard: recall of the approximate search against its cost. */
export const KNN_NUM_CANDIDATES = 300;
/** Ask a search for these doc values (the BM25 request and the kNN one): the cosine's input. */
export const EMBEDDING_DOCVALUES = ['embedding_int8'];

/** The kNN search for the nearest listings passing the same filters as the text query. */
export function knnSearch(
  vector: ArrayLike<number>,
  filters: estypes.QueryDslQueryContainer[],
  k = KNN_CANDIDATES,
): { knn: estypes.KnnSearch; size: number; docvalue_fields: string[] } {
  return {
    knn: {
      field: 'embedding',
      query_vector: Array.from(vector),
      k,
      num_candidates: Math.max(k, KNN_NUM_CANDIDATES),
      filter: filters,
    },
    size: k,
    docvalue_fields: EMBEDDING_DOCVALUES,
  };
}

/**
 * How far below the window's lowest kNN cosine a changed listing may be and still count as entering it.
 * We compare int8 copies (~0.001 of rounding), while Elasticsearch orders kNN hits by its own int8_hnsw
 * scores, per segment: those differ from our cosine by 0.0026 at the median, 0.019 at p99 and up to
 * 0.032 (bench/knn-score-gap.ts, 10,000 hits over 14 segments), so a new listing just under the bound by
 * our arithmetic can be over it by Elasticsearch's. The k-th hit's own error is covered by taking the
 * lower of both scores (knnScope); the new listing's, by this margin, above the largest gap measured. A
 * wider margin only costs recomputations; too narrow would hide a listing until the entry expires.
 */
export const KNN_BOUND_MARGIN = 0.05;

/**
 * What a listing needs to join a window's kNN candidates (EntryScope.knn): the lowest cosine among the
 * hits, by our arithmetic and by Elasticsearch's score (dot_product: (1 + cosine) / 2), less the
 * margin; 'any' when kNN found fewer than `k` (every listing with a vector passing the filters is in).
 */
export function knnScope(vector: ArrayLike<number>, knnHits: ScoredHit[], k: number): EntryScope['knn'] {
  const quantized = quantizeEmbedding(vector);
  if (knnHits.length < k) return { vector: quantized, minCosine: 'any' };
  let min = Infinity;
  for (const h of knnHits) {
    const cosine = cosineOfHit(vector, h);
    // A hit without its int8 copy (should not happen: kNN only finds listings with vectors): nothing can be trusted.
    if (cosine === undefined) return { vector: quantized, minCosine: 'any' };
    min = Math.min(min, cosine, typeof h._score === 'number' ? 2 * h._score - 1 : cosine);
  }
  return { vector: quantized, minCosine: min - KNN_BOUND_MARGIN };
}

export interface ScoredHit {
  _id?: string;
  _score?: number | null;
  _source?: ListingDocument;
  fields?: Record<string, unknown>;
}

/** A candidate of the union, with where it came from (explain and the training export show it). */
export interface HybridCandidate extends Candidate {
  /** Rank in BM25's list, or null for a kNN-only candidate. */
  bm25Rank: number | null;
  /** Rank in the kNN list, or null when the semantic retriever did not return it. */
  knnRank: number | null;
}

/** The query-listing cosine of a hit that came with its int8 embedding; undefined without one. */
export function cosineOfHit(query: ArrayLike<number>, hit: ScoredHit): number | undefined {
  const values = hit.fields?.embedding_int8;
  const quantized = Array.isArray(values) ? values[0] : undefined;
  return typeof quantized === 'string' ? cosineWithQuantized(query, quantized) : undefined;
}

/**
 * The union: BM25 hits in BM25 order, then kNN hits BM25 lacked, in kNN order, each with its cosine
 * when `query` (the query embedding) is given and the listing has an embedding.
 */
export function mergeCandidates(
  bm25Hits: ScoredHit[],
  knnHits: ScoredHit[],
  query?: ArrayLike<number>,
): HybridCandidate[] {
  const semanticOf = (h: ScoredHit) => {
    const cosine = query ? cosineOfHit(query, h) : undefined;
    return cosine === undefined ? {} : { semantic: cosine };
  };
  const knnRank = new Map<string, number>();
  knnHits.forEach((h, i) => {
    if (h._id !== undefined && !knnRank.has(h._id)) knnRank.set(h._id, i);
  });
  const out: HybridCandidate[] = bm25Hits.map((h, i) => ({
    doc: h._source!,
    bm25: h._score ?? 0,
    bm25Rank: i,
    knnRank: knnRank.get(h._id ?? h._source!.id) ?? null,
    ...semanticOf(h),
  }));
  const seen = new Set(out.map((c) => c.doc.id));
  knnHits.forEach((h, i) => {
    if (!h._source || seen.has(h._source.id)) return;
    seen.add(h._source.id);
    out.push({ doc: h._source, bm25: 0, bm25Rank: null, knnRank: i, ...semanticOf(h) });
  });
  return out;
}
