import { describe, expect, it } from 'vitest';
import { RefreshScheduler, type RefreshJob } from '../src/cache/refresh-scheduler.js';

/** A scheduler whose computations wait until released, recording the order they started in. */
function harness(concurrency: number, due: (key: string) => boolean = () => true) {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const inFlight = new Map<string, Promise<string>>();
  const scheduler = new RefreshScheduler<string>({
    inFlight,
    concurrency,
    stillDue: due,
    run: (key, _job, correction) => {
      started.push(correction ? `${key} (correction)` : key);
      return new Promise<string>((resolve) => releases.set(key, () => resolve(key)));
    },
  });
  const job: RefreshJob<string> = { compute: async () => 'unused', ttlMs: 1000 };
  const release = async (key: string) => {
    releases.get(key)!();
    await inFlight.get(key);
    await new Promise((r) => setImmediate(r)); // its finally frees the slot and starts the next one
  };
  return { scheduler, started, inFlight, job, release };
}

describe('refresh scheduler', () => {
  it('runs at most `concurrency` at once and the rest after them, corrections before refreshes', async () => {
    const { scheduler, started, job, release } = harness(1);
    scheduler.schedule('a', job);
    scheduler.schedule('refresh-b', job);
    scheduler.schedule('refresh-c', job);
    scheduler.schedule('correct-d', job, true);
    expect(started).toEqual(['a']);
    await release('a');
    // Run as a correction (never merely revalidated: ResultCache.refresh), from the queue too.
    expect(started).toEqual(['a', 'correct-d (correction)']);
    await release('correct-d');
    await release('refresh-b');
    expect(started).toEqual(['a', 'correct-d (correction)', 'refresh-b', 'refresh-c']);
  });

  it('runs one computation per key: a key already running or queued is not added again', async () => {
    const { scheduler, started, job, release } = harness(1);
    scheduler.schedule('a', job);
    scheduler.schedule('a', job);
    scheduler.schedule('b', job);
    scheduler.schedule('b', job);
    await release('a');
    await release('b');
    expect(started).toEqual(['a', 'b']);
  });

  it('moves a queued refresh to the corrections when its key needs correcting, and says it is correcting', async () => {
    const { scheduler, started, job, release } = harness(1);
    scheduler.schedule('a', job);
    scheduler.schedule('b', job);
    scheduler.schedule('c', job);
    expect(scheduler.correcting('c')).toBe(false);
    scheduler.schedule('c', job, true);
    expect(scheduler.correcting('c')).toBe(true);
    expect(scheduler.correcting('a')).toBe(true); // running
    await release('a');
    expect(started).toEqual(['a', 'c (correction)']);
  });

  it('skips a queued key that is no longer due when a slot frees (a miss recomputed it meanwhile)', async () => {
    const { scheduler, started, job, release } = harness(1, (key) => key !== 'b');
    scheduler.schedule('a', job);
    scheduler.schedule('b', job);
    scheduler.schedule('c', job);
    await release('a');
    expect(started).toEqual(['a', 'c']);
  });
});
