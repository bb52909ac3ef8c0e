/** A background recomputation: the entry's own compute closure, its TTL, and how to check it is still current. */
export interface RefreshJob<V = unknown> {
  compute: () => Promise<V>;
  ttlMs: number;
  /**
   * Resolves true when nothing the value was computed from has been written since `since` (epoch ms):
   * a refresh near expiry then extends the entry instead of recomputing it (see ResultCache.refresh).
   */
  revalidate?: (value: V, since: number) => Promise<boolean>;
}

/** Due entries beyond this many per queue wait for a read after a slot frees (or expire): the queues stay small. */
const MAX_QUEUED = 1000;

/**
 * Background recomputations of cached entries: one per key at a time, and a few per process. Hot
 * entries filled together come due together even with spread refresh times, and each is a full search;
 * run all at once, they take Elasticsearch's CPU in a burst, which on shared cores stalls the hits served
 * meanwhile. Two queues wait for a slot, each oldest first: corrections for a change (an entry a new
 * listing may now enter, served as it was until corrected) go before near-expiry refreshes (which still
 * have a tenth or more of their life left). A failure leaves the current value to expire.
 */
export class RefreshScheduler<V> {
  private readonly refreshes = new Map<string, RefreshJob<V>>();
  private readonly corrections = new Map<string, RefreshJob<V>>();
  private running = 0;

  constructor(
    private readonly deps: {
      /** Computations in flight by key, shared with the cache's single flight. */
      inFlight: Map<string, Promise<V>>;
      /** Computes and stores the entry; `correction`: a change may have entered it (never merely revalidated). */
      run: (key: string, job: RefreshJob<V>, correction: boolean) => Promise<V>;
      /** Whether a queued key still needs it when a slot frees (a miss may have recomputed or dropped it). */
      stillDue: (key: string) => boolean;
      concurrency: number;
      onStart?: () => void;
      onQueueSize?: (size: number) => void;
    },
  ) {}

  /** Starts a recomputation of `key` now, or queues it when every slot is busy. */
  schedule(key: string, job: RefreshJob<V>, correction = false): void {
    if (this.deps.inFlight.has(key) || this.corrections.has(key)) return;
    if (correction) this.refreshes.delete(key);
    else if (this.refreshes.has(key)) return;
    if (this.running >= this.deps.concurrency) {
      const queue = correction ? this.corrections : this.refreshes;
      if (queue.size < MAX_QUEUED) queue.set(key, job);
      this.deps.onQueueSize?.(this.queued());
      return;
    }
    this.running++;
    this.deps.onStart?.();
    const task = this.deps.run(key, job, correction);
    this.deps.inFlight.set(key, task);
    task
      .catch(() => undefined)
      .finally(() => {
        this.deps.inFlight.delete(key);
        this.running--;
        this.startQueued();
      });
  }

  /** Whether a correction of `key` runs or waits for a slot. */
  correcting(key: string): boolean {
    return this.deps.inFlight.has(key) || this.corrections.has(key);
  }

  private queued(): number {
    return this.refreshes.size + this.corrections.size;
  }

  private startQueued(): void {
    for (const [queue, correction] of [
      [this.corrections, true],
      [this.refreshes, false],
    ] as const) {
      for (const [key, job] of queue) {
        if (this.running >= this.deps.concurrency) break;
        queue.delete(key);
        if (this.deps.stillDue(key)) this.schedule(key, job, correction); // schedule skips a key already in flight
      }
    }
    this.deps.onQueueSize?.(this.queued());
  }
}
