import fp from 'fastify-plugin';
import { isAbsolute, resolve } from 'node:path';
import { EMBEDDING_DIMS } from '../../../core/src/index.js';
import { TextEmbedder } from '../../../core/src/text-embedder.js';

/**
 * The query embedder of the semantic retriever, or null when its model cannot be loaded: the API then
 * serves BM25 retrieval (and says so in `ranker`) rather than refusing to start, as it does for a
 * missing ranking model. Its timings feed api_query_embedding_seconds.
 */
export default fp(
  async (app) => {
    const dir = app.config.embedding.modelDir;
    let embedder: TextEmbedder | null = null;
    if (dir) {
      try {
        embedder = await TextEmbedder.load({ dir: isAbsolute(dir) ? dir : resolve(process.cwd(), dir), threads: 1 });
        const [probe] = await embedder.embed(['probe']);
        if (probe?.length !== EMBEDDING_DIMS)
          throw new Error(`embedding model gives ${probe?.length} dimensions, the index holds ${EMBEDDING_DIMS}`);
        app.log.info({ model: embedder.name }, 'embedding model loaded');
      } catch (err) {
        await embedder?.close();
        embedder = null;
        app.log.warn({ err: (err as Error).message }, 'no embedding model: serving BM25 retrieval only');
      }
    }
    app.decorate('embedder', embedder);
    app.addHook('onClose', async () => embedder?.close());
  },
  { name: 'embedder' },
);
