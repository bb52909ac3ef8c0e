import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** A dead letter: the original event (or raw payload when it did not parse) and why it was rejected. */
export interface DeadLetter {
  event: unknown;
  reason: string;
  failed_at: string;
  source_job_id?: string;
}

/**
 * The job id of a dead letter: `<listing_id>@v<version>`, so a job retried after a partial failure does
 * not file the same event twice. BullMQ refuses ids containing `:` (its key separator), which listing ids
 * may hold, so `%` and `:` are percent-encoded (reversibly: decodeURIComponent gives the raw id back).
 * A payload without a usable listing id gets a BullMQ-generated id (no dedupe; it could not be indexed
 * under any id anyway).
 */
export function deadLetterJobId(event: unknown): string | undefined {
  const e = event as { listing_id?: unknown; version?: unknown } | null | undefined;
  if (typeof e?.listing_id !== 'string' || e.listing_id.length === 0 || e.listing_id.length > MAX_ID_CHARS)
    return undefined;
  const version =
    typeof e.version === 'number' || (typeof e.version === 'string' && e.version.length <= 32)
      ? String(e.version)
      : '?';
  return encodeJobId(`${e.listing_id}@v${version}`);
}

/** Ids longer than a listing id may be are not ids; they would only bloat Redis keys. */
const MAX_ID_CHARS = 200;

const encodeJobId = (raw: string) => raw.replaceAll('%', '%25').replaceAll(':', '%3A');

/**
 * The dead-letter queue is a BullMQ queue nobody consumes: entries wait there until an operator lists,
 * inspects and replays them (indexer CLI `dlq`), by the job id `dlq list` shows (the raw
 * `<listing_id>@v<version>` with a `:` in it is found too).
 */
export class DeadLetterQueue {
  readonly queue: Queue<DeadLetter>;

  constructor(name: string, prefix: string, connection: Redis) {
    this.queue = new Queue<DeadLetter>(name, { connection, prefix });
  }

  async add(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.queue.addBulk(
      letters.map((l) => ({
        name: 'dead-letter',
        data: l,
        opts: { jobId: deadLetterJobId(l.event), removeOnComplete: true, removeOnFail: false },
      })),
    );
    // Nobody processes this queue: the entries stay in "waiting" until replayed or removed.
  }

  async size(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  async list(limit = 50): Promise<Array<{ id: string; letter: DeadLetter }>> {
    const jobs = await this.queue.getWaiting(0, limit - 1);
    return jobs.map((j) => ({ id: j.id!, letter: j.data }));
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return (await this.job(id))?.data;
  }

  async remove(id: string): Promise<void> {
    const job = await this.job(id);
    if (job?.id) await this.queue.remove(job.id);
  }

  /** The job for an id as listed (encoded), or as written by hand with its raw `:`. */
  private async job(id: string) {
    const asListed = id.includes(':') ? undefined : await this.queue.getJob(id);
    return asListed ?? (await this.queue.getJob(encodeJobId(id)));
  }

  /**
   * Re-publishes dead letters through the producer (validated again) and removes the replayed ones.
   * Letters that are still invalid stay, with the reason returned.
   */
  async replay(
    publish: (events: unknown[]) => Promise<number>,
    ids?: string[],
  ): Promise<{ replayed: string[]; stillInvalid: Array<{ id: string; reason: string }> }> {
    const items = ids
      ? await Promise.all(ids.map(async (id) => ({ id, letter: await this.get(id) })))
      : await this.list(10_000);
    const replayed: string[] = [];
    const stillInvalid: Array<{ id: string; reason: string }> = [];
    for (const item of items) {
      if (!item.letter) {
        stillInvalid.push({ id: item.id, reason: 'no such dead letter' });
        continue;
      }
      try {
        await publish([item.letter.event]);
        await this.remove(item.id);
        replayed.push(item.id);
      } catch (e) {
        stillInvalid.push({ id: item.id, reason: (e as Error).message });
      }
    }
    return { replayed, stillInvalid };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
