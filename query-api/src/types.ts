import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Config } from '../../core/src/index.js';
import type { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import type { FeedModel } from '../../ranking/src/feed-model.js';
import type { RankingService } from '../../ranking/src/ranking-service.js';
import type { EventEmitter } from 'node:events';
import type { ResultCache } from './cache/result-cache.js';
import type { FreshList } from './recommendations/fresh-list.js';
import type { RecentListings } from './recommendations/recent-listings.js';
import type { QueryEmbeddings } from './search/query-embeddings.js';
import type { ApiMetrics } from './plugins/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    es: Client;
    /** Profiles, events, the feature log, neighbours: what must survive (REDIS_URL). */
    redis: Redis;
    /** Result cache, search windows, feed orders: what can be recomputed (CACHE_REDIS_URL; else `redis` itself). */
    cacheRedis: Redis;
    ranking: RankingService;
    /** The learned home-feed ranker; null when FEED_RANKER=blend or its model did not load (the blend orders feeds). */
    feedModel: FeedModel | null;
    /** Query embeddings for the semantic retriever; null when the model is missing (BM25 retrieval only). */
    embedder: QueryEmbeddings | null;
    metrics: ApiMetrics;
    cache: ResultCache;
    /** The indexer's change notifications (ids of changed listings), as the cache plugin hears them. */
    listingChanges: EventEmitter<{ changed: [ids: string[]] }>;
    /** The newest listings on sale, shared by every feed (recommendations/fresh-list.ts). */
    freshListings: FreshList;
    /** Listings read lately by id, dropped when they change (recommendations/recent-listings.ts). */
    recentListings: RecentListings;
    changeProducer: ChangeProducer;
    /** Set on SIGTERM: readiness fails so traffic moves away before the server closes. */
    lifecycle: { draining: boolean };
  }
}
