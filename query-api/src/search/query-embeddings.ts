import { LRUCache } from 'lru-cache';
import { EMBEDDING_DIMS } from '../../../core/src/index.js';
import type { TextEmbedder } from '../../../core/src/text-embedder.js';

/**
 * Query embeddings this many queries back are kept: 1.5 KB each (384 float32), so ~15 MB. A query's
 * embedding never changes, and search traffic repeats its head queries: each re-embedding blocked the
 * event loop for the model's whole run (onnxruntime-node runs a session synchronously on the main
 * thread), most often in the background refresh of a hot cached entry, where it showed in the cache-hit
 * tail (docs/benchmarks.md, "Background work on the hit path").
 */
export const QUERY_EMBEDDINGS_KEPT = 10_000;

/** The semantic retriever's query embeddings, each text embedded once while it stays among the recent ones. */
export class QueryEmbeddings {
  // lru-cache's fetch: bounded, and one embedding in flight per text however many searches ask for it.
  private readonly kept: LRUCache<string, Float32Array>;

  constructor(
    private readonly embedder: Pick<TextEmbedder, 'embed' | 'close'>,
    /** Called with each real embedding's duration (ms), not for the ones served from memory. */
    onEmbedded: (ms: number) => void = () => undefined,
    max = QUERY_EMBEDDINGS_KEPT,
  ) {
    this.kept = new LRUCache({
      max,
      fetchMethod: async (text) => {
        const started = performance.now();
        const [vector] = await this.embedder.embed([text], 'query');
        onEmbedded(performance.now() - started);
        if (vector?.length !== EMBEDDING_DIMS) throw new Error(`embedding of ${vector?.length} dimensions`);
        return vector;
      },
    });
  }

  /** The text's unit-length embedding (the caller must not modify it: it is shared). */
  async embed(text: string): Promise<Float32Array> {
    return (await this.kept.fetch(text))!;
  }

  async close(): Promise<void> {
    this.kept.clear();
    await this.embedder.close();
  }
}
