import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDING_DIMS } from './index-definition.js';
/**
 * Longer inputs are cut: a listing's title, brand and category fit in far fewer word pieces, and the
 * attention cost grows with the square of the length (a pasted description would cost 10x a title).
 */
export const MAX_TOKENS = 64;

/** What a text stands for: models trained for retrieval encode a query and a passage differently. */
export type EmbeddingRole = 'query' | 'listing';

/**
 * How a model family turns its hidden states into one vector, and the prefix it was trained to see before
 * a query and before a passage (each model card's own usage). Keyed by the model directory's name
 * (scripts/fetch-embedding-model.sh names it after the artifact).
 */
export interface EmbeddingProfile {
  pooling: 'mean' | 'cls';
  queryPrefix: string;
  listingPrefix: string;
}

const PROFILES: Array<[RegExp, EmbeddingProfile]> = [
  // BAAI/bge-small-en-v1.5: the [CLS] state; the instruction goes before short queries, not passages.
  [
    /^bge-/,
    { pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ', listingPrefix: '' },
  ],
  // intfloat/e5-small-v2: mean pooling, and "query: " / "passage: " before every text.
  [/^e5-/, { pooling: 'mean', queryPrefix: 'query: ', listingPrefix: 'passage: ' }],
  // sentence-transformers/all-MiniLM-L6-v2 (and any other sentence-transformers model): mean pooling, no prefix.
  [/(?:)/, { pooling: 'mean', queryPrefix: '', listingPrefix: '' }],
];

/** The profile of a model directory's name (the last one matches every name). */
export function embeddingProfile(name: string): EmbeddingProfile {
  return PROFILES.find(([pattern]) => pattern.test(name))![1];
}

export interface TextEmbedderOptions {
  /** Directory with model.onnx and tokenizer.json (scripts/fetch-embedding-model.sh). */
  dir: string;
  /** onnxruntime intra-op threads (default 1: the API serves many requests at once on few cores). */
  threads?: number;
}

/**
 * In core, not ranking: the query API embeds queries and the indexer embeds listings, with the same
 * model and text (listingEmbeddingText), and the indexer may only import core. Not re-exported from
 * core/src/index.ts: it loads onnxruntime's native module, which most importers of core never need.
 *
 * Sentence embeddings with all-MiniLM-L6-v2 (ONNX, run by onnxruntime-node; the BERT WordPiece
 * tokenizer is @huggingface/tokenizers reading the model's own tokenizer.json, so the word pieces are
 * the ones the model was trained with). Mean pooling over the real tokens, then L2 normalization: the
 * dot product of two embeddings is their cosine, what Elasticsearch's dense_vector `dot_product`
 * similarity expects.
 */
export class TextEmbedder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    /** Model directory name, e.g. "all-minilm-l6-v2": said in manifests and /explain. */
    readonly name: string,
    private readonly profile: EmbeddingProfile = embeddingProfile(name),
  ) {}

  /** Loads the model; throws when its files are missing or unreadable (callers fall back to BM25). */
  static async load(opts: TextEmbedderOptions): Promise<TextEmbedder> {
    const modelPath = join(opts.dir, 'model.onnx');
    const tokenizerPath = join(opts.dir, 'tokenizer.json');
    if (!existsSync(modelPath) || !existsSync(tokenizerPath))
      throw new Error(`no embedding model in ${opts.dir} (run scripts/fetch-embedding-model.sh)`);
    const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerPath, 'utf8')) as object, {});
    const threads = opts.threads ?? 1;
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new TextEmbedder(session, tokenizer, opts.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? 'embedding');
  }

  /** Unit-length embeddings, one per text, in order. A batch is padded to its longest text. */
  async embed(texts: string[], role: EmbeddingRole): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const prefix = role === 'query' ? this.profile.queryPrefix : this.profile.listingPrefix;
    // [CLS] ... [SEP]: a text cut short keeps its closing [SEP], as the model saw in training.
    const encoded = texts.map((t): number[] => {
      const ids: number[] = this.tokenizer.encode(prefix + t).ids;
      return ids.length <= MAX_TOKENS ? ids : [...ids.slice(0, MAX_TOKENS - 1), ids.at(-1)!];
    });
    const len = Math.max(...encoded.map((ids) => ids.length));
    const n = texts.length;
    const inputIds = new BigInt64Array(n * len);
    const mask = new BigInt64Array(n * len);
    encoded.forEach((ids, i) =>
      ids.forEach((id, j) => {
        inputIds[i * len + j] = BigInt(id);
        mask[i * len + j] = 1n;
      }),
    );
    const dims = [n, len];
    const out = await this.session.run({
      input_ids: new ort.Tensor('int64', inputIds, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * len), dims),
    });
    const hidden = out.last_hidden_state!.data as Float32Array;
    // [CLS] pooling is the first state alone: the mean over one token.
    return encoded.map((ids, i) => meanPoolNormalized(hidden, i, len, this.profile.pooling === 'cls' ? 1 : ids.length));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Mean of the first `tokens` hidden states of sequence `i`, scaled to unit length. */
function meanPoolNormalized(hidden: Float32Array, i: number, len: number, tokens: number): Float32Array {
  const v = new Float32Array(EMBEDDING_DIMS);
  for (let j = 0; j < tokens; j++) {
    const base = (i * len + j) * EMBEDDING_DIMS;
    for (let d = 0; d < EMBEDDING_DIMS; d++) v[d]! += hidden[base + d]!;
  }
  let norm = 0;
  for (let d = 0; d < EMBEDDING_DIMS; d++) norm += v[d]! * v[d]!;
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < EMBEDDING_DIMS; d++) v[d]! /= norm;
  return v;
}

/** Decimal places a listing's vector keeps in the documents written to Elasticsearch. */
const INDEXED_DECIMALS = 1e4;

/**
 * The embedding fields of a listing document: the vector for the kNN index and its int8 copy for the
 * query path. Components are rounded to 4 decimals. The `embedding` field is excluded from `_source`,
 * and Elasticsearch then keeps the whole document, vector included, in a `_recovery_source` stored
 * field until a merge after the shard's retention lease drops it. At full float precision the vector's
 * JSON (~8 KB a listing) made that field 62 % of the index, and fetching 100 hits took 7 ms instead of
 * 1 ms with it merged away; rounded, 4-5 ms (docs/benchmarks.md, "The hidden copy of every vector").
 * 1e-4 is far below the int8 step of the HNSW index (about 0.002), so kNN answers do not change.
 * Elasticsearch refuses a dot_product vector whose squared length is off 1 by more than about 1e-3
 * (measured: 1e-3 passes, 2e-3 fails); rounding moves it by 6e-5 (one standard deviation), at most
 * 2.3e-4 over 20,000 random unit vectors, and none of the 19,406 icecat products was refused.
 */
export function embeddingFields(v: ArrayLike<number>): { embedding: number[]; embedding_int8: string } {
  const embedding = Array.from(v, (x) => Math.round(x * INDEXED_DECIMALS) / INDEXED_DECIMALS);
  return { embedding, embedding_int8: quantizeEmbedding(v) };
}

/**
 * A compact copy of an embedding for the query path: a float32 scale, then one signed byte per
 * dimension (v / scale * 127), base64. Stored as a `binary` doc-values field beside the dense_vector,
 * so a search returns it with its hits (~0.5 KB each) and the cosine of every BM25 hit is computed in
 * process, instead of a second kNN request that would have to wait for BM25's ids.
 */
export function quantizeEmbedding(v: ArrayLike<number>): string {
  let max = 0;
  for (let d = 0; d < v.length; d++) max = Math.max(max, Math.abs(v[d]!));
  const buf = Buffer.alloc(4 + v.length);
  buf.writeFloatLE(max, 0);
  for (let d = 0; d < v.length; d++) buf.writeInt8(max > 0 ? Math.round((v[d]! / max) * 127) : 0, 4 + d);
  return buf.toString('base64');
}

/**
 * A quantizeEmbedding string read back: its bytes and the value of one step (byte x scale = the
 * component); undefined unless it has `dims` of them. The bytes are a view on the decoded buffer, and
 * small buffers share a pooled slab: copy them to keep them.
 */
export function readQuantized(quantized: string, dims: number): { bytes: Int8Array; scale: number } | undefined {
  const buf = Buffer.from(quantized, 'base64');
  if (buf.length !== 4 + dims) return undefined;
  return { bytes: new Int8Array(buf.buffer, buf.byteOffset + 4, dims), scale: buf.readFloatLE(0) / 127 };
}

/** Cosine of a unit query embedding and a quantized unit listing embedding (quantizeEmbedding). */
export function cosineWithQuantized(query: ArrayLike<number>, quantized: string): number | undefined {
  // A typed view, not readInt8 per byte: this runs for every candidate of every uncached search (~300),
  // and the checked reads were 3 % of an uncached search's API CPU (a CPU profile, 2026-12-03).
  const read = readQuantized(quantized, query.length);
  if (!read) return undefined;
  let s = 0;
  for (let d = 0; d < query.length; d++) s += query[d]! * read.bytes[d]!;
  return s * read.scale;
}

/** Dot product (the cosine of two unit vectors). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

/**
 * The text a listing is embedded from: title, brand and category path. Description is left out: it is
 * long (cost) and its boilerplate makes unrelated listings look alike.
 */
export function listingEmbeddingText(doc: { title: string; brand?: string; category_path?: string[] }): string {
  return [doc.title, doc.brand, doc.category_path?.join(' > ')].filter(Boolean).join(' | ');
}
