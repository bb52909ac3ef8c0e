import type { ListingDocument, UserProfile } from '../../core/src/index.js';

/** One retrieved listing with its BM25 (retrieval) score. */
export interface Candidate {
  doc: ListingDocument;
  /** Elasticsearch _score of the retrieval query; 0 when browsing without text. */
  bm25: number;
  /**
   * Cosine of the query's and the listing's text embeddings (the semantic retriever), when both exist;
   * absent when the listing has no embedding yet or the embedding model is unavailable.
   */
  semantic?: number;
}

/** Everything about the request a ranker may use. */
export interface QueryContext {
  query: string;
  user?: UserProfile;
  now: Date;
}

export interface RankResult {
  /** Candidate indices, best first. */
  order: number[];
  /** Score per candidate index (same length as candidates). */
  scores: number[];
  /** Which ranker ordered them, e.g. "onnx:ltr@v3" or "bm25". */
  ranker: string;
  /** Set when a learned ranker was asked for but BM25 order was served instead. */
  fallbackReason?: string;
  /** Feature vectors per candidate index, in feature-spec order, when asked for. */
  features?: number[][];
}

export interface RankOptions {
  withFeatures?: boolean;
  /** Stable key for A/B bucketing (user id, or a session id). */
  bucketKey?: string;
}

/** Orders candidates. Implementations: the ONNX model ranker and the BM25 fallback. */
export interface Ranker {
  readonly name: string;
  rank(candidates: Candidate[], ctx: QueryContext, opts?: RankOptions): Promise<RankResult>;
}
