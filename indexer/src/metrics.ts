import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The indexer's Prometheus metrics, in a registry of its own (tests create several side by side). */
export function createIndexerMetrics(collect?: {
  queueCounts: () => Promise<Record<string, number>>;
  dlqSize: () => Promise<number>;
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'indexer_' });
  const eventsConsumed = new Counter({
    name: 'indexer_events_consumed_total',
    help: 'Listing change events consumed, by op and outcome',
    labelNames: ['op', 'outcome'],
    registers: [registry],
  });
  const bulkLatency = new Histogram({
    name: 'indexer_bulk_duration_seconds',
    help: 'Elasticsearch _bulk request latency',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const bulkSize = new Histogram({
    name: 'indexer_bulk_events',
    help: 'Events per _bulk request',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  });
  const documentsFailed = new Counter({
    name: 'indexer_documents_failed_total',
    help: 'Documents that failed, by reason (retry = retried later)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const indexLag = new Histogram({
    name: 'indexer_index_lag_seconds',
    help: 'From event emitted_at to the document written (searchable after the next refresh, <= refresh_interval later)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const embeddingLag = new Histogram({
    name: 'indexer_embedding_lag_seconds',
    help: "From a listing's text indexed to its embedding written (kNN finds it after the next refresh)",
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  const embeddings = new Counter({
    name: 'indexer_embeddings_total',
    help: 'Listing embeddings by outcome (skipped_newer: a newer version arrived first)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const embeddingBatchDuration = new Histogram({
    name: 'indexer_embedding_batch_seconds',
    help: 'Model time per embedding batch',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const contentCandidates = new Counter({
    name: 'indexer_content_candidates_total',
    help: 'Listings swept by the content step, by outcome (computed: their similar-items content candidates stored; unchanged: title, brand, size and leaf as recorded; skipped: no record and not new, left to the API; removed: deleted, record dropped)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const contentCandidatesLag = new Histogram({
    name: 'indexer_content_candidates_lag_seconds',
    help: 'From a listing indexed to its content candidates stored (until then its first similar list scores the leaf)',
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  new Gauge({
    name: 'indexer_queue_depth',
    help: 'Jobs in the listing-changes queue by state (each job carries up to 500 events)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      if (!collect) return;
      for (const [state, n] of Object.entries(await collect.queueCounts())) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'indexer_dlq_size',
    help: 'Dead letters waiting for an operator',
    registers: [registry],
    async collect() {
      if (collect) this.set(await collect.dlqSize());
    },
  });
  return {
    registry,
    eventsConsumed,
    bulkLatency,
    bulkSize,
    documentsFailed,
    indexLag,
    embeddingLag,
    embeddings,
    embeddingBatchDuration,
    contentCandidates,
    contentCandidatesLag,
  };
}
export type IndexerMetrics = ReturnType<typeof createIndexerMetrics>;
