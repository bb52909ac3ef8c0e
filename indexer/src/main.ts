import { Client } from '@elastic/elasticsearch';
import { createServer } from 'node:http';
import { pino } from 'pino';
import { esNodes, loadConfig, loggerOptions } from '../../core/src/index.js';
import { ensureListingsIndex } from './index-admin.js';
import { registerNeighbourMetrics } from './neighbours/metrics.js';
import { NeighbourJob } from './neighbours/neighbour-job.js';
import { startIndexerWorker } from './worker.js';

/**
 * The indexer worker process: consumes listing changes into Elasticsearch and serves /metrics,
 * /health/live and /health/ready on INDEXER_METRICS_PORT. SIGTERM finishes in-flight batches first.
 */
const config = loadConfig(process.env);
const logger = pino(loggerOptions(config, 'indexer'));
const es = new Client({
  nodes: esNodes(config.elasticsearch.url),
  auth: config.elasticsearch.auth,
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
const neighbours = new NeighbourJob(config.redis.url, config.queue.prefix, logger.child({ component: 'neighbours' }));
const indexer = await startIndexerWorker(config, es, logger, { neighbours });
registerNeighbourMetrics(indexer.metrics.registry, neighbours);
neighbours.start();
ready = true;

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
  await indexer.close();
  await neighbours.close();
  await es.close();
  server.close();
  logger.info('indexer stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
