import type { Client } from '@elastic/elasticsearch';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../core/src/index.js';
import { BulkWriter } from './bulk-writer.js';
import { backoffWithJitter } from './bulk-errors.js';
import { notifyListingsChanged, notifyVectorsSearchable } from '../../core/src/pipeline/change-notifications.js';
import { createChangeJobProcessor } from './change-job-processor.js';
import { DeadLetterQueue } from './dead-letters.js';
import { createIndexerMetrics, type IndexerMetrics } from './metrics.js';
import type { ChangeBatchJob } from '../../core/src/pipeline/change-producer.js';
import { queueNames, redisKeys } from '../../core/src/redis-keys.js';
import type { NeighbourJob } from './neighbours/neighbour-job.js';
import { WriteTargets } from './write-targets.js';

export interface IndexerWorker {
  worker: Worker<ChangeBatchJob>;
  metrics: IndexerMetrics;
  deadLetters: DeadLetterQueue;
  /** Jobs of listing changes waiting or being written: text indexing's backlog. */
  backlog(): Promise<number>;
  /** Publishes listings as changed, as after a bulk (the embedding step's new vectors, once searchable). */
  notifyChanged(ids: string[]): Promise<void>;
  /** Publishes listings whose new vectors kNN searches now find (the embedding step's). */
  notifyVectors(ids: string[]): Promise<void>;
  /** Stops taking jobs, finishes the batches in flight, closes connections. */
  close(): Promise<void>;
}

/** Everything the worker opens besides the BullMQ Worker itself; closeIndexer closes it. */
interface IndexerResources {
  names: ReturnType<typeof queueNames>;
  /** The Worker's blocking connection (BullMQ needs one of its own). */
  connection: Redis;
  /** Queues, dead letters, write targets and change notifications. */
  publisher: Redis;
  changesQueue: Queue;
  deadLetters: DeadLetterQueue;
  metrics: IndexerMetrics;
  writer: BulkWriter;
}

/**
 * The consumer: BullMQ jobs (batches of change events) -> validation -> coalesced external-versioned
 * bulk writes (change-job-processor.ts says what happens to each outcome). If Redis or Elasticsearch
 * goes away, jobs stay in Redis (locked jobs of a dead worker come back as stalled) and nothing is lost.
 */
export async function startIndexerWorker(
  config: Config,
  es: Client,
  logger: Logger,
  opts: { autorun?: boolean; neighbours?: NeighbourJob } = {},
): Promise<IndexerWorker> {
  const resources = setUpIndexer(config, es, logger);
  const { names, connection, changesQueue, deadLetters, metrics, writer } = resources;
  const processor = createChangeJobProcessor({
    writer,
    deadLetters,
    metrics,
    logger,
    neighbours: opts.neighbours,
    pause: (ms) => worker.rateLimit(ms),
  });
  const worker = new Worker<ChangeBatchJob>(names.changes, processor, {
    connection,
    prefix: names.prefix,
    concurrency: config.indexer.concurrency,
    autorun: opts.autorun ?? true,
    lockDuration: config.indexer.lockMs,
    stalledInterval: Math.max(1000, Math.floor(config.indexer.lockMs / 2)),
    maxStalledCount: 10,
    settings: { backoffStrategy: (attempts: number) => backoffWithJitter(attempts) },
  });
  worker.on('failed', (job, err) => {
    const permanent = err instanceof UnrecoverableError;
    logger.warn(
      { job_id: job?.id, attempts: job?.attemptsMade, err: err.message },
      permanent
        ? 'job failed for good; its events are in the dead-letter queue'
        : 'job failed; will retry if attempts remain',
    );
  });
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error (Redis unavailable?) - retrying'));

  return {
    worker,
    metrics,
    deadLetters,
    async backlog() {
      const c = await changesQueue.getJobCounts('waiting', 'active', 'delayed');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
    },
    notifyChanged: (ids) => notifyListingsChanged(resources.publisher, config.redis.namespace, ids),
    notifyVectors: (ids) => notifyVectorsSearchable(resources.publisher, config.redis.namespace, ids),
    close: () => closeIndexer(worker, resources),
  };
}

/** Opens the Redis connections, queues, metrics and the bulk writer the worker needs. */
function setUpIndexer(config: Config, es: Client, logger: Logger): IndexerResources {
  const names = queueNames(config);
  const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const publisher = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const deadLetters = new DeadLetterQueue(names.deadLetters, names.prefix, publisher);
  const changesQueue = new Queue(names.changes, { connection: publisher, prefix: names.prefix });
  const metrics = createIndexerMetrics({
    queueCounts: () => changesQueue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    dlqSize: () => deadLetters.size(),
  });
  const targets = new WriteTargets(publisher, redisKeys(config.redis.namespace).changes.writeTargets(names.changes));
  const writer = new BulkWriter(es, {
    alias: config.elasticsearch.alias,
    batchSize: config.indexer.batchSize,
    batchBytes: config.indexer.batchBytes,
    flushMs: config.indexer.flushMs,
    extraTargets: () => targets.current(),
    onFlushed: async (stats) => {
      metrics.bulkLatency.observe(stats.ms / 1000);
      metrics.bulkSize.observe(stats.events);
      for (const [reason, n] of Object.entries(stats.failedByReason)) metrics.documentsFailed.inc({ reason }, n);
      const now = Date.now();
      for (const t of stats.emittedAt) metrics.indexLag.observe(Math.max(0, now - t) / 1000);
      await notifyListingsChanged(publisher, config.redis.namespace, stats.changedIds).catch((err) =>
        logger.warn({ err }, 'could not publish change notification'),
      );
    },
  });
  return { names, connection, publisher, changesQueue, deadLetters, metrics, writer };
}

/** Stops taking jobs, lets the batches in flight finish, then closes queues and connections. */
async function closeIndexer(worker: Worker, r: IndexerResources): Promise<void> {
  await worker.close();
  await r.writer.drain();
  await r.changesQueue.close();
  await r.deadLetters.close();
  await Promise.allSettled([r.connection.quit(), r.publisher.quit()]);
}
