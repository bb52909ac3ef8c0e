import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Observer = { observe(value: number): void };

/** The query API's Prometheus metrics (its own registry, so tests can build many apps). */
export function createApiMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'api_' });
  // Read at each scrape; the cache plugin points it at the result cache once that exists.
  let cacheMemory = () => ({ entries: 0, bytes: 0 });
  return {
    registry,
    readCacheMemoryFrom(source: () => { entries: number; bytes: number }) {
      cacheMemory = source;
    },
    // The in-process layer's size beside the heap's (api_nodejs_heap_size_used_bytes): its entries are most
    // of what the old generation keeps, so they set what a major GC marks (docs/benchmarks.md).
    cacheMemoryEntries: new Gauge({
      name: 'api_cache_memory_entries',
      help: 'Entries in the in-process layer of the result cache (CACHE_MEMORY_ITEMS at most)',
      registers: [registry],
      collect() {
        this.set(cacheMemory().entries);
      },
    }),
    cacheMemoryBytes: new Gauge({
      name: 'api_cache_memory_bytes',
      help: 'JSON bytes of the in-process layer of the result cache, as counted against CACHE_MEMORY_MB',
      registers: [registry],
      collect() {
        this.set(cacheMemory().bytes);
      },
    }),
    requestDuration: new Histogram({
      name: 'api_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'api_cache_requests_total',
      help: 'Result cache lookups by layer and result',
      labelNames: ['layer', 'result'],
      registers: [registry],
    }),
    cacheRefreshes: new Counter({
      name: 'api_cache_refreshes_total',
      help: 'Background refreshes of hot entries near their expiry (revalidated or recomputed)',
      registers: [registry],
    }),
    cacheRevalidations: new Counter({
      name: 'api_cache_revalidations_total',
      help: 'Hot entries near expiry checked against what was written since: unchanged (extended), changed or failed (recomputed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    cacheScopeDrops: new Counter({
      name: 'api_cache_scope_drops_total',
      help: 'Cached entries dropped because a new or changed listing may now belong on them',
      registers: [registry],
    }),
    cacheScopeMatches: new Counter({
      name: 'api_cache_scope_matches_total',
      help: 'Cached entries corrected (dropped or refreshed) by why a change may enter them: all, filters, words, knn_any, knn_bound',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    cacheScopeBm25Checks: new Counter({
      name: 'api_cache_scope_bm25_checks_total',
      help: 'Cached relevance windows whose only matches were words under their BM25 cut, by what Elasticsearch scored: entered, below_cut (kept), failed (corrected)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    cacheScopeRefreshes: new Counter({
      name: 'api_cache_scope_refreshes_total',
      help: 'Hot cached entries recomputed in the background (served as they were meanwhile) because a new or changed listing may now belong on them',
      registers: [registry],
    }),
    cacheRefreshQueue: new Gauge({
      name: 'api_cache_refresh_queue',
      help: 'Background recomputations waiting for a slot (CACHE_REFRESH_CONCURRENCY)',
      registers: [registry],
    }),
    rankerDuration: new Histogram({
      name: 'api_ranker_duration_seconds',
      help: 'Re-ranking latency by ranker and model version',
      labelNames: ['ranker', 'version'],
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    }),
    embeddingDuration: new Histogram({
      name: 'api_query_embedding_seconds',
      help: 'Query text embedding (semantic retriever) latency',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
      registers: [registry],
    }),
    semanticFallbacks: new Counter({
      name: 'api_semantic_fallbacks_total',
      help: 'Relevance searches served with BM25 retrieval only although hybrid was asked for, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rankerFallbacks: new Counter({
      name: 'api_ranker_fallbacks_total',
      help: 'Requests served in BM25 order although a model was configured, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    feedBuilds: new Counter({
      name: 'api_feed_builds_total',
      help: 'Home feeds built (a first page the cache could not answer: a new person, a profile change, an expired build), by what ordered them (blend or the model)',
      labelNames: ['ranker'],
      registers: [registry],
    }),
    feedRankerFallbacks: new Counter({
      name: 'api_feed_ranker_fallbacks_total',
      help: 'Personal feed builds ordered by the blend although FEED_RANKER=learned, by reason (model_unavailable, scoring_failed)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    freshListReadFailures: new Counter({
      name: 'api_fresh_list_read_failures_total',
      help: "Failed reads of the home feed's shared fresh list (the last list is served meanwhile)",
      registers: [registry],
    }),
    feedLateFresh: new Counter({
      name: 'api_feed_late_fresh_total',
      help: 'Cached first feed pages checked against listings that reached the shared fresh list after the feed was built, by outcome (merged: a new order written; unchanged: none ranks among the first items)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    popularListsKept: new Counter({
      name: 'api_popular_lists_kept_total',
      help: 'Shared popular lists (by size and brand) looked at by the keeping round, by outcome: computed (would have expired before the next round), current, or failed (a whole round)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    feedPageMerges: new Counter({
      name: 'api_feed_page_merges_total',
      help: "Cached feed builds served with the similar items of a listing page viewed since, by outcome (merged: a new order written; unchanged: none of the page's listings was new to the feed)",
      labelNames: ['outcome'],
      registers: [registry],
    }),
    recentListings: new Counter({
      name: 'api_recent_listings_total',
      help: 'Listings read by id for similar lists and events, by result (hit: in memory; joined: a read in flight; read: a realtime mget)',
      labelNames: ['result'],
      registers: [registry],
    }),
    similarContent: new Counter({
      name: 'api_similar_content_total',
      help: "Similar lists computed, by where their content candidates came from (record: the listing's stored candidates plus listings written since; computed: the leaf scored in full, then stored)",
      labelNames: ['source'],
      registers: [registry],
    }),
    shedRequests: new Counter({
      name: 'api_shed_requests_total',
      help: 'Requests answered 503 at once because the process was overloaded (event loop lag), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    esDuration: new Histogram({
      name: 'api_es_duration_seconds',
      help: 'Elasticsearch request latency by operation',
      labelNames: ['op'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export default fp(
  async (app) => {
    const metrics = createApiMetrics();
    app.decorate('metrics', metrics);
    // The labelled child per method, route and status (a bounded set: declared routes, 'unknown' for
    // no route): observing through a child skips prom-client's hashing of the labels on every request.
    const durations = new Map<string, Observer>();
    app.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions.url ?? 'unknown';
      const key = `${req.method} ${route} ${reply.statusCode}`;
      let observer = durations.get(key);
      if (!observer) {
        observer = metrics.requestDuration.labels({ method: req.method, route, status: String(reply.statusCode) });
        durations.set(key, observer);
      }
      observer.observe(reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics' },
);
