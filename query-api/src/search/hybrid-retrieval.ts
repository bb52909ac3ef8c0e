/**
 * Hybrid retrieval: BM25's top candidates united with the nearest listings by text embedding, each
 * candidate carrying both scores. Shared by the search service and the training-data exporter
 * (models/export/judged-data.ts), so the model trains on the candidates and scores it serves.
 *
 * Elasticsearch's rank fusion (RRF) is an x-pack feature the node here does not have, and the model
 * re-ranks the union anyway, so the union is made here: BM25 hits first in their order, then the kNN
 * hits BM25 did not find. The kNN search runs beside the BM25 one (after the query is embedded); a
 * BM25 hit that kNN also returned has its cosine from there, the others from a second kNN search
 * restricted to their ids (missingCosineIds; exact over at most a few hundred vectors). A kNN-only
 * hit has bm25 0 (it is below BM25's cut or does not match the words at all).
 */
import type { ListingDocument } from '../../../core/src/index.js';
import type { Candidate } from '../../../ranking/src/types.js';

/** How many nearest listings the semantic retriever adds (before the union). */
export const KNN_CANDIDATES = 100;
/** HNSW candidates visited per shard: recall of the approximate search against its cost. */
export const KNN_NUM_CANDIDATES = 300;

/** Elasticsearch's dot_product score is (1 + cosine) / 2; this turns it back into the cosine. */
export const cosineOfScore = (score: number) => 2 * score - 1;

/** The kNN search for the nearest listings passing the same filters as the text query. */
export function knnSearch(vector: ArrayLike<number>, filters: unknown[], k = KNN_CANDIDATES) {
  return {
    knn: { field: 'embedding', query_vector: Array.from(vector), k, num_candidates: Math.max(k, KNN_NUM_CANDIDATES), filter: filters },
    size: k,
  };
}

/** The exact cosine of given listings (the BM25 hits): a kNN search filtered to their ids. */
export function cosineOfIds(vector: ArrayLike<number>, ids: string[]) {
  const k = Math.max(1, ids.length);
  return {
    knn: { field: 'embedding', query_vector: Array.from(vector), k, num_candidates: k, filter: [{ ids: { values: ids } }] },
    size: k,
    _source: false,
  };
}

export interface ScoredHit {
  _id?: string;
  _score?: number | null;
  _source?: ListingDocument;
}

/** A candidate of the union, with where it came from (explain and the training export show it). */
export interface HybridCandidate extends Candidate {
  /** Rank in BM25's list, or null for a kNN-only candidate. */
  bm25Rank: number | null;
  /** Rank in the kNN list, or null when the semantic retriever did not return it. */
  knnRank: number | null;
}

/**
 * The union: BM25 hits in BM25 order, then kNN hits BM25 lacked, in kNN order. `cosines` holds the
 * cosine of each BM25 hit that has an embedding (from cosineOfIds); kNN hits carry their own.
 */
export function mergeCandidates(bm25Hits: ScoredHit[], knnHits: ScoredHit[], cosines: Map<string, number>): HybridCandidate[] {
  const knnRank = new Map<string, number>();
  knnHits.forEach((h, i) => {
    if (h._id !== undefined && !knnRank.has(h._id)) knnRank.set(h._id, i);
  });
  const out: HybridCandidate[] = bm25Hits.map((h, i) => {
    const id = h._id ?? h._source!.id;
    const semantic = cosines.get(id);
    return { doc: h._source!, bm25: h._score ?? 0, bm25Rank: i, knnRank: knnRank.get(id) ?? null, ...(semantic === undefined ? {} : { semantic }) };
  });
  const seen = new Set(out.map((c) => c.doc.id));
  knnHits.forEach((h, i) => {
    if (!h._source || seen.has(h._source.id)) return;
    seen.add(h._source.id);
    out.push({ doc: h._source, bm25: 0, bm25Rank: null, knnRank: i, semantic: cosineOfScore(h._score ?? 0) });
  });
  return out;
}

/** Cosine per id from kNN hits (the kNN search's and cosineOfIds'). */
export function cosineMap(...hitLists: ScoredHit[][]): Map<string, number> {
  return new Map(hitLists.flat().filter((h) => h._id !== undefined).map((h) => [h._id!, cosineOfScore(h._score ?? 0)]));
}

/** The BM25 hits whose cosine the kNN search did not give: what cosineOfIds must ask for. */
export function missingCosineIds(bm25Hits: ScoredHit[], knnHits: ScoredHit[]): string[] {
  const known = new Set(knnHits.map((h) => h._id));
  return bm25Hits.map((h) => h._id!).filter((id) => id !== undefined && !known.has(id));
}
