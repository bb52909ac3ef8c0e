/**
 * Preloaded into a service under load (`node --import tsx --import ./bench/event-loop-monitor.ts ...`):
 * records the event loop's worst delay per 100 ms window and every GC pause, and writes them as JSON
 * lines to EVENT_LOOP_MONITOR_FILE when the process exits. bench/hit-stalls.ts lines them up with
 * the load generator's slow requests, which tells a stall inside the process (a long task, a GC) from
 * one outside it (the machine, the generator).
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export type MonitorRecord = { window_end: number; max_delay_ms: number } | { gc: number; at: number; ms: number };

const out = process.env.EVENT_LOOP_MONITOR_FILE;
if (out) {
  const records: MonitorRecord[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  setInterval(() => {
    records.push({ window_end: Date.now(), max_delay_ms: delay.max / 1e6 });
    delay.reset();
  }, 100).unref();
  // GC kinds as in perf_hooks' constants: 1 scavenge (young generation), 2 minor mark-sweep, 4 mark-sweep-compact (full), 8 incremental marking, 16 weak callbacks.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      records.push({
        gc: (e as PerformanceEntry & { detail: { kind: number } }).detail.kind,
        at: performance.timeOrigin + e.startTime,
        ms: e.duration,
      });
  }).observe({ entryTypes: ['gc'] });
  process.on('exit', () => writeFileSync(out, records.map((r) => JSON.stringify(r)).join('\n')));
}
