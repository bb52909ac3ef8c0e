import type { Client } from '@elastic/elasticsearch';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { changeEvents, type Config, type ListingChangeEvent } from '../../core/src/index.js';
import { BulkWriter } from './bulk-writer.js';
import { backoffWithJitter, RetryableIndexingError } from './bulk-errors.js';
import { notifyListingsChanged } from '../../core/src/pipeline/change-notifications.js';
import { DeadLetterQueue, type DeadLetter } from './dead-letters.js';
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
  /** Stops taking jobs, finishes the batches in flight, closes connections. */
  close(): Promise<void>;
}

/**
 * The consumer: BullMQ jobs (batches of change events) -> validation -> coalesced external-versioned
 * bulk writes. Invalid or rejected events go to the dead-letter queue with the reason; transient
 * cluster failures throw, so BullMQ retries the job with backoff and jitter. If Redis or Elasticsearch
 * goes away, jobs stay in Redis (locked jobs of a dead worker come back as stalled) and nothing is lost.
 */
export async function startIndexerWorker(config: Config, es: Client, logger: Logger, opts: { autorun?: boolean; neighbours?: NeighbourJob } = {}): Promise<IndexerWorker> {
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

  const process = async (job: Job<ChangeBatchJob>) => {
    const log = logger.child({ job_id: job.id, attempt: job.attemptsMade + 1 });
    const raw = Array.isArray(job.data?.events) ? job.data.events : [];
    const letters: DeadLetter[] = [];
    const valid: ListingChangeEvent[] = [];
    for (const e of raw) {
      const issues = changeEvents.issues(e, Date.now(), 5);
      if (issues.length === 0) valid.push(e as ListingChangeEvent);
      else letters.push({ event: e, reason: `invalid event: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, failed_at: new Date().toISOString(), source_job_id: job.id });
    }
    if (!Array.isArray(job.data?.events)) {
      letters.push({ event: job.data, reason: 'job payload has no events array', failed_at: new Date().toISOString(), source_job_id: job.id });
    }
    let results;
    try {
      results = await writer.write(valid);
    } catch (err) {
      if (!(err instanceof RetryableIndexingError) || !err.waitOut) throw err;
      // Elasticsearch is unreachable, or the index refuses writes (a read-only block such as the disk
      // flood stage): pause this worker and put the job back without spending one of its attempts, so
      // an outage of any length loses nothing, fails no job and dead-letters no good change; work
      // resumes by itself once the cluster takes writes again.
      const pauseMs = 1000 + backoffWithJitter(Math.min(6, job.attemptsMade + 1), 500, 10_000);
      log.warn({ pause_ms: pauseMs, err: err.message }, err.indexBlocked ? 'index read-only: pausing' : 'Elasticsearch unreachable: pausing');
      await worker.rateLimit(pauseMs);
      throw Worker.RateLimitError();
    }
    for (const r of results) {
      metrics.eventsConsumed.inc({ op: r.event.op, outcome: r.outcome });
      if (r.outcome === 'dead-letter') letters.push({ event: r.event, reason: r.reason!, failed_at: new Date().toISOString(), source_job_id: job.id });
    }
    if (opts.neighbours) {
      // Sold, suspended and deleted listings leave the co-engagement neighbour lists as soon as indexed.
      const written = results.filter((r) => r.outcome === 'ok').map((r) => r.event);
      const gone = written.filter((e) => e.op === 'delete' || e.listing.status !== 'on_sale').map((e) => e.listing_id);
      const onSale = written.filter((e) => e.op === 'upsert' && e.listing.status === 'on_sale').map((e) => e.listing_id);
      await opts.neighbours.statusChanged(gone, onSale);
    }
    if (letters.length > 0) {
      metrics.eventsConsumed.inc({ op: 'invalid', outcome: 'dead-letter' }, letters.length - results.filter((r) => r.outcome === 'dead-letter').length);
      await deadLetters.add(letters);
      log.warn({ dead_letters: letters.length, first_reason: letters[0]!.reason }, 'events sent to the dead-letter queue');
    }
    return { indexed: results.filter((r) => r.outcome !== 'dead-letter').length, dead_lettered: letters.length };
  };

  const worker = new Worker<ChangeBatchJob>(names.changes, process, {
    connection,
    prefix: names.prefix,
    concurrency: config.indexer.concurrency,
    autorun: opts.autorun ?? true,
    lockDuration: config.indexer.lockMs,
    stalledInterval: Math.max(1000, Math.floor(config.indexer.lockMs / 2)),
    maxStalledCount: 10,
    settings: { backoffStrategy: (attempts: number) => backoffWithJitter(attempts) },
  });
  worker.on('failed', (job, err) => logger.warn({ job_id: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed; will retry if attempts remain'));
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error (Redis unavailable?) - retrying'));

  return {
    worker,
    metrics,
    deadLetters,
    async backlog() {
      const c = await changesQueue.getJobCounts('waiting', 'active', 'delayed');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
    },
    async close() {
      await worker.close();
      await writer.drain();
      await changesQueue.close();
      await deadLetters.close();
      await Promise.allSettled([connection.quit(), publisher.quit()]);
    },
  };
}
