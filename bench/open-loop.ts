import { BalancedPool, Pool } from 'undici';
import { baseList, round, summarizeLatencies as summarize, type LatencySummary } from './support.js';

export interface OpenLoopResult {
  target_req_per_s: number;
  requests_per_s: number;
  requests: number;
  latency_ms: LatencySummary;
  non_2xx: number;
  errors: number;
  /** Latency per request tag, when requests carry one (a mixed load: what each kind of request saw). */
  by_tag?: Record<string, { requests: number; latency_ms: LatencySummary }>;
  /** p99 of the requests due in each second of the run: shows whether slow requests are spread or one stall. */
  p99_ms_by_second: number[];
}

/**
 * An open-loop load generator: request i is due at start + i / rate, whatever happened to earlier
 * ones, and its latency is counted from when it was due, so time spent waiting for a free connection
 * counts (no coordinated omission). We use it instead of autocannon's `overallRate`, which sends each
 * connection's quota for the second back to back and then idles (bursts, not a rate), and whose
 * built-in correction (autocannon 8: recordValueWithExpectedInterval(latency, ceil(1 / rate))) takes
 * the expected interval as 1 ms at any rate and so pads every response slower than 1 ms with
 * invented samples.
 */
export interface LoadRequest {
  path: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  tag?: string;
}

/** `paths` are cycled through (each with `headers`); `request(i)` builds request i instead (e.g. every one unique). */
export async function openLoop(opts: {
  /** The server; several (API replicas) are sent requests in turn, as a load balancer would (undici's BalancedPool). */
  base: string | string[];
  paths?: string[];
  headers?: Record<string, string>;
  request?: (i: number) => LoadRequest;
  rate: number;
  seconds: number;
  connections?: number;
}): Promise<OpenLoopResult> {
  const { paths, headers } = opts;
  const next = opts.request ?? ((i: number): LoadRequest => ({ path: paths![i % paths!.length]!, headers }));
  const poolOpts = { connections: opts.connections ?? 64, pipelining: 1 };
  const bases = baseList(opts.base);
  const pool = bases.length > 1 ? new BalancedPool(bases, poolOpts) : new Pool(bases[0]!, poolOpts);
  const total = Math.round(opts.rate * opts.seconds);
  const interval = 1000 / opts.rate;
  const latencies: number[] = [];
  const bySecond: number[][] = Array.from({ length: Math.ceil(opts.seconds) }, () => []);
  const tagged = new Map<string, number[]>();
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  const started = performance.now();

  const send = (due: number, req: LoadRequest) => {
    const p = pool
      .request({ method: req.method ?? 'GET', path: req.path, body: req.body, headers: req.headers })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
        else {
          const latency = performance.now() - due;
          latencies.push(latency);
          bySecond[Math.min(bySecond.length - 1, Math.floor((due - started) / 1000))]!.push(latency);
          if (req.tag) (tagged.get(req.tag) ?? tagged.set(req.tag, []).get(req.tag)!).push(latency);
        }
      })
      .catch(() => {
        errors++;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        send(started + sent * interval, next(sent));
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return {
    target_req_per_s: opts.rate,
    requests_per_s: round(total / elapsed, 0),
    requests: total,
    latency_ms: summarize(latencies),
    non_2xx: non2xx,
    errors,
    p99_ms_by_second: bySecond.map((l) => summarize(l).p99),
    ...(tagged.size
      ? {
          by_tag: Object.fromEntries(
            [...tagged].map(([tag, l]) => [tag, { requests: l.length, latency_ms: summarize(l) }]),
          ),
        }
      : {}),
  };
}
