import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Config } from '../../core/src/index.js';
import type { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import type { FeedModel } from '../../ranking/src/feed-model.js';
import type { RankingService } from '../../ranking/src/ranking-service.js';
import type { ResultCache } from './cache/result-cache.js';
import type { QueryEmbeddings } from './search/query-embeddings.js';
import type { ApiMetrics } from './plugins/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    es: Client;
    redis: Redis;
    ranking: RankingService;
    /** The learned home-feed ranker; null when FEED_RANKER=blend or its model did not load (the blend orders feeds). */
    feedModel: FeedModel | null;
    /** Query embeddings for the semantic retriever; null when the model is missing (BM25 retrieval only). */
    embedder: QueryEmbeddings | null;
    metrics: ApiMetrics;
    cache: ResultCache;
    changeProducer: ChangeProducer;
    /** Set on SIGTERM: readiness fails so traffic moves away before the server closes. */
    lifecycle: { draining: boolean };
  }
}
