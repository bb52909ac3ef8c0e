import { createServer } from 'node:http';
import { isAbsolute, resolve } from 'node:path';
import { pino } from 'pino';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import { Redis } from 'ioredis';
import { loadConfig, loggerOptions, refreshIntervalMs } from '../../core/src/index.js';
import { ContentStep } from './content-step.js';
import { TextEmbedder } from '../../core/src/text-embedder.js';
import { EmbeddingStep } from './embedding-step.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { registerNeighbourMetrics } from './neighbours/metrics.js';
import { NeighbourJob } from './neighbours/neighbour-job.js';
import { startIndexerWorker } from './worker.js';

/**
 * The indexer worker process: consumes listing changes into Elasticsearch and serves /metrics,
 * /health/live and /health/ready on INDEXER_METRICS_PORT. SIGTERM finishes in-flight batches first.
 */
const config = loadConfig(process.env);
const logger = pino(loggerOptions(config, 'indexer'));
const es = createElasticsearchClient(config.elasticsearch, {
  requestTimeout: Math.max(config.elasticsearch.requestTimeoutMs, 30_000),
  maxRetries: 0, // the job is retried instead, with backoff
});

let ready = false;
let stopping = false;

async function waitForIndex(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureListingsIndex(es, config.elasticsearch);
      return;
    } catch (err) {
      logger.warn({ err: (err as Error).message, attempt }, 'Elasticsearch not ready; retrying');
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
    }
  }
}

await waitForIndex();
// The co-engagement neighbour job runs here: it needs the listing status changes this process writes.
const neighbours = new NeighbourJob(
  config.redis.url,
  config.redis.namespace,
  logger.child({ component: 'neighbours' }),
);
const indexer = await startIndexerWorker(config, es, logger, { neighbours });
registerNeighbourMetrics(indexer.metrics.registry, neighbours);
neighbours.start();
const embedding = await startEmbeddingStep();
const content = startContentStep();
ready = true;

/**
 * The batched embedding step (embedding-step.ts) in this process, on one onnxruntime thread; without
 * an embedding model, listings are indexed for BM25 only and the API serves BM25 retrieval.
 */
async function startEmbeddingStep(): Promise<EmbeddingStep | undefined> {
  const { modelDir, batch, idleMs } = config.embedding;
  if (!modelDir) return undefined;
  try {
    const embedder = await TextEmbedder.load({
      dir: isAbsolute(modelDir) ? modelDir : resolve(process.cwd(), modelDir),
      threads: 1,
    });
    const { metrics } = indexer;
    const step = new EmbeddingStep(
      es,
      embedder,
      {
        alias: config.elasticsearch.alias,
        batch,
        idleMs,
        textBusy: async () => (await indexer.backlog()) > 0,
        // New vectors go out on a channel of their own: API pods read the listings back and correct the
        // windows they may now enter by kNN, but keep the entries that show them (their text did not change;
        // on the bulk channel a backfill of vectors dropped every cached window). The step announces only
        // once kNN sees the vectors (EmbeddingStep.announceWhenSearchable), so the pods' own version check
        // holds for them too.
        onSearchable: (ids) => indexer.notifyVectors(ids),
        onBatch: (s) => {
          metrics.embeddings.inc({ outcome: 'written' }, s.embedded);
          metrics.embeddings.inc({ outcome: 'skipped_newer' }, s.skippedNewer);
          metrics.embeddingBatchDuration.observe(s.embedMs / 1000);
          for (const lag of s.lagsMs) metrics.embeddingLag.observe(Math.max(0, lag) / 1000);
        },
      },
      logger.child({ component: 'embedding' }),
    );
    step.start();
    logger.info({ model: embedder.name, batch }, 'embedding step running');
    return step;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'no embedding model: listings are indexed for BM25 only');
    return undefined;
  }
}

/**
 * The content step (content-step.ts): similar items' content candidates of each new or re-worded
 * listing, kept in Redis, on a Redis connection of its own.
 */
function startContentStep(): { step: ContentStep; redis: Redis } {
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const { metrics } = indexer;
  const step = new ContentStep(
    es,
    redis,
    {
      alias: config.elasticsearch.alias,
      namespace: config.redis.namespace,
      ...config.contentStep,
      // A bulk's listings are searchable after the next refresh; two seconds more for slow bulks and
      // clock skew between workers. A listing the sweep passes before it is searchable only loses its
      // precomputation: its first similar list scores the leaf and stores the record itself.
      settleMs: refreshIntervalMs(config.elasticsearch.refreshInterval) + 2000,
      onBatch: (s) => {
        metrics.contentCandidates.inc({ outcome: 'computed' }, s.computed);
        metrics.contentCandidates.inc({ outcome: 'unchanged' }, s.unchanged);
        metrics.contentCandidates.inc({ outcome: 'skipped' }, s.skipped);
        metrics.contentCandidates.inc({ outcome: 'removed' }, s.removed);
        for (const lag of s.lagsMs) metrics.contentCandidatesLag.observe(Math.max(0, lag) / 1000);
      },
    },
    logger.child({ component: 'content' }),
  );
  step.start();
  return { step, redis };
}

const server = createServer(async (req, res) => {
  if (req.url === '/metrics') {
    res.setHeader('content-type', indexer.metrics.registry.contentType);
    res.end(await indexer.metrics.registry.metrics());
  } else if (req.url === '/health/live') {
    res.end('{"status":"ok"}');
  } else if (req.url === '/health/ready') {
    const ok = ready && !stopping && indexer.worker.isRunning();
    res.statusCode = ok ? 200 : 503;
    res.end(JSON.stringify({ status: ok ? 'ready' : 'not_ready' }));
  } else {
    res.statusCode = 404;
    res.end();
  }
});
server.listen(config.indexer.metricsPort, config.http.host, () =>
  logger.info({ port: config.indexer.metricsPort, concurrency: config.indexer.concurrency }, 'indexer running'),
);

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining: finishing in-flight batches');
  await embedding?.stop();
  await content.step.stop();
  content.redis.disconnect();
  await indexer.close();
  await neighbours.close();
  await es.close();
  server.close();
  logger.info('indexer stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
