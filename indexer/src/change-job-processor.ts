import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { changeEvents, type ListingChangeEvent } from '../../core/src/index.js';
import { backoffWithJitter, PermanentIndexingError, RetryableIndexingError } from './bulk-errors.js';
import type { BulkWriter, WriteResult } from './bulk-writer.js';
import type { DeadLetter, DeadLetterQueue } from './dead-letters.js';
import type { IndexerMetrics } from './metrics.js';
import type { NeighbourJob } from './neighbours/neighbour-job.js';
import type { ChangeBatchJob } from '../../core/src/pipeline/change-producer.js';

/** What the processor of change jobs uses; the worker owns and closes all of it. */
export interface ChangeJobDeps {
  writer: BulkWriter;
  deadLetters: DeadLetterQueue;
  metrics: IndexerMetrics;
  logger: Logger;
  neighbours?: NeighbourJob;
  /** Stops this worker taking jobs for `ms` (BullMQ's worker.rateLimit). */
  pause: (ms: number) => Promise<void>;
}

/** A job's summary, stored by BullMQ as its return value. */
export interface ChangeJobResult {
  indexed: number;
  dead_lettered: number;
}

/**
 * The job processor: validation -> coalesced bulk write -> dead letters. Invalid and refused events are
 * dead-lettered and the job completes; a failure of the cluster throws, so BullMQ retries the job with
 * backoff; an outage (no answer, or a write block) pauses the worker without spending an attempt; a
 * permanent rejection of the whole request files the job's events as dead letters and fails the job at
 * once (PermanentIndexingError is BullMQ's UnrecoverableError).
 */
export function createChangeJobProcessor(deps: ChangeJobDeps): (job: Job<ChangeBatchJob>) => Promise<ChangeJobResult> {
  const { writer, metrics, logger, neighbours } = deps;
  return async (job) => {
    const log = logger.child({ job_id: job.id, attempt: job.attemptsMade + 1 });
    const { valid, letters } = validateJob(job);
    let results: WriteResult[];
    try {
      results = await writer.write(valid);
    } catch (err) {
      if (err instanceof PermanentIndexingError) {
        const refused = valid.map((event) => letter(job, event, err.message));
        for (const e of valid) metrics.eventsConsumed.inc({ op: e.op, outcome: 'dead-letter' });
        await fileDeadLetters(deps, log, [...letters, ...refused], refused.length);
        throw err;
      }
      if (!(err instanceof RetryableIndexingError) || !err.waitOut) throw err;
      // Elasticsearch is unreachable, or the index refuses writes (a read-only block such as the disk
      // flood stage): pause this worker and put the job back without spending one of its attempts, so
      // an outage of any length loses nothing, fails no job and dead-letters no good change; work
      // resumes by itself once the cluster takes writes again.
      const pauseMs = 1000 + backoffWithJitter(Math.min(6, job.attemptsMade + 1), 500, 10_000);
      log.warn(
        { pause_ms: pauseMs, err: err.message },
        err.indexBlocked ? 'index read-only: pausing' : 'Elasticsearch unreachable: pausing',
      );
      await deps.pause(pauseMs);
      throw Worker.RateLimitError();
    }
    const refused = results.filter((r) => r.outcome === 'dead-letter');
    for (const r of results) metrics.eventsConsumed.inc({ op: r.event.op, outcome: r.outcome });
    if (neighbours) {
      // Sold, suspended and deleted listings leave the co-engagement neighbour lists as soon as indexed.
      const written = results.filter((r) => r.outcome === 'ok').map((r) => r.event);
      const gone = written.filter((e) => e.op === 'delete' || e.listing.status !== 'on_sale').map((e) => e.listing_id);
      const onSale = written
        .filter((e) => e.op === 'upsert' && e.listing.status === 'on_sale')
        .map((e) => e.listing_id);
      await neighbours.statusChanged(gone, onSale);
    }
    // Refused events were counted above by their op; only the invalid ones are counted in fileDeadLetters.
    const all = [...letters, ...refused.map((r) => letter(job, r.event, r.reason!))];
    await fileDeadLetters(deps, log, all, refused.length);
    return { indexed: results.length - refused.length, dead_lettered: all.length };
  };
}

/** Splits a job's payload into events to write and dead letters for what fails the schema. */
function validateJob(job: Job<ChangeBatchJob>): { valid: ListingChangeEvent[]; letters: DeadLetter[] } {
  const raw: unknown[] = Array.isArray(job.data?.events) ? job.data.events : [];
  const letters: DeadLetter[] = [];
  const valid: ListingChangeEvent[] = [];
  for (const e of raw) {
    const issues = changeEvents.issues(e, Date.now(), 5);
    if (issues.length === 0) valid.push(e as ListingChangeEvent);
    else letters.push(letter(job, e, `invalid event: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`));
  }
  if (!Array.isArray(job.data?.events)) letters.push(letter(job, job.data, 'job payload has no events array'));
  return { valid, letters };
}

function letter(job: Job, event: unknown, reason: string): DeadLetter {
  return { event, reason, failed_at: new Date().toISOString(), source_job_id: job.id };
}

/** Files dead letters; `counted` of them (written and refused) are already in eventsConsumed. */
async function fileDeadLetters(
  deps: ChangeJobDeps,
  log: Logger,
  letters: DeadLetter[],
  counted: number,
): Promise<void> {
  if (letters.length === 0) return;
  deps.metrics.eventsConsumed.inc({ op: 'invalid', outcome: 'dead-letter' }, letters.length - counted);
  await deps.deadLetters.add(letters);
  log.warn({ dead_letters: letters.length, first_reason: letters[0]!.reason }, 'events sent to the dead-letter queue');
}
