import type { Logger } from 'pino';

export interface SweepLoopOptions {
  /** What one sweep may handle at most: a sweep that found this many goes again at once (a backlog). */
  batch: number;
  /** Wait after a sweep that found less than a batch (new work waits at most this long). */
  idleMs: number;
  /** While true, the loop waits instead of sweeping (e.g. text indexing has work queued). */
  busy?: () => Promise<boolean>;
}

/**
 * The loop of the indexer's background steps (embedding-step.ts, content-step.ts): each finds its own
 * work in the index on every sweep, so it needs no queue, survives restarts and catches up after a
 * reindex; a failed sweep is logged and tried again after the idle wait.
 */
export class SweepLoop {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly name: string,
    private readonly sweep: () => Promise<number>,
    private readonly opts: SweepLoopOptions,
    private readonly logger?: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the sweep in flight, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let found = 0;
      try {
        const busy = this.opts.busy ? await this.opts.busy() : false;
        if (!busy) found = await this.sweep();
      } catch (err) {
        this.logger?.warn({ err: (err as Error).message }, `${this.name} sweep failed; retrying`);
      }
      if (found < this.opts.batch && !this.stopped) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.idleMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }
}
