import fp from 'fastify-plugin';
import { isAbsolute, resolve } from 'node:path';
import { EMBEDDING_DIMS } from '../../../core/src/index.js';
import { TextEmbedder } from '../../../core/src/text-embedder.js';
import { QueryEmbeddings } from '../search/query-embeddings.js';

/**
 * The query embedder of the semantic retriever, or null when its model cannot be loaded: the API then
 * serves BM25 retrieval (and says so in `ranker`) rather than refusing to start, as it does for a
 * missing ranking model. Recent queries' embeddings are kept (query-embeddings.ts); the timings of
 * real embeddings feed api_query_embedding_seconds.
 */
export default fp(
  async (app) => {
    const dir = app.config.embedding.modelDir;
    let embedder: TextEmbedder | null = null;
    if (dir) {
      try {
        embedder = await TextEmbedder.load({ dir: isAbsolute(dir) ? dir : resolve(process.cwd(), dir), threads: 1 });
        const [probe] = await embedder.embed(['probe'], 'query');
        if (probe?.length !== EMBEDDING_DIMS)
          throw new Error(`embedding model gives ${probe?.length} dimensions, the index holds ${EMBEDDING_DIMS}`);
        app.log.info({ model: embedder.name }, 'embedding model loaded');
      } catch (err) {
        await embedder?.close();
        embedder = null;
        app.log.warn({ err: (err as Error).message }, 'no embedding model: serving BM25 retrieval only');
      }
    }
    const queries = embedder
      ? new QueryEmbeddings(embedder, (ms) => app.metrics.embeddingDuration.observe(ms / 1000))
      : null;
    app.decorate('embedder', queries);
    app.addHook('onClose', async () => queries?.close());
  },
  { name: 'embedder', dependencies: ['metrics'] },
);
