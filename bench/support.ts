import type { Client } from '@elastic/elasticsearch';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import {
  computeContentCandidates,
  storeContentCandidates,
  toListingDocument,
  type ListingDocument,
} from '../core/src/index.js';
// Types only: the module loads onnxruntime's native code, which most benches never need.
import type { TextEmbedder } from '../core/src/text-embedder.js';
import { generateListing } from '../indexer/src/sources/generator.js';

export const root = resolve(import.meta.dirname, '..');

/** Benchmarks print one JSON document on stdout; progress goes to stderr. */
export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** p50/p90/p99/max of latencies in milliseconds, rounded to hundredths. */
export function summarizeLatencies(latencies: number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const ms = (p: number) => round(percentile(sorted, p), 2);
  return { p50: ms(50), p90: ms(90), p99: ms(99), max: round(sorted.at(-1) ?? NaN, 2) };
}

/** The service key benchmarks send where a route needs one (events, per-user reads, explain). */
export const BENCH_KEY_HEADERS = { 'x-api-key': 'bench-app-key' } as const;
/**
 * What every benchmark API process gets unless the benchmark or the environment says otherwise: the bench key, and limits
 * so high that the limiter counts every request (its cost is measured) but never refuses one: load
 * generators send thousands of requests a second from one address.
 */
const BENCH_API_ENV = {
  API_KEYS: `bench:events+users+operator:${BENCH_KEY_HEADERS['x-api-key']}`,
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10000000',
  RATE_LIMIT_KEY_PER_MINUTE: '100000000',
};

/** A service process started the way production starts it (tsx instead of the compiled build). */
export function startProcess(
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
  nodeArgs: string[] = [],
  cwd = root,
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, entry, ...args], {
    cwd,
    env: { ...BENCH_API_ENV, ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Runs `use` against bench/static-server.ts answering `bytes` of prepared JSON: the load generator's
 * floor, i.e. what the machine and the generator add to a measurement at the same rate. `use` gets the
 * server's pid too, for its CPU (processCpuMs): what answering anything costs on the machine that day.
 */
export async function withStaticServer<T>(bytes: number, use: (base: string, pid: number) => Promise<T>): Promise<T> {
  const port = 17_000 + Math.floor(Math.random() * 1000);
  const server = startProcess('bench/static-server.ts', { PORT: String(port) }, [String(port), String(bytes)]);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`);
    return await use(`http://127.0.0.1:${port}`, server.pid!);
  } finally {
    await stopProcess(server);
  }
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); with `withChildren`, also
 * that of the children it has waited for (a Redis's AOF rewrite children).
 */
export function processCpuMs(pid: number, { withChildren = false } = {}): number {
  // Fields after the command name: utime and stime are the 12th and 13th, cutime and cstime the 14th and
  // 15th, in clock ticks (100 a second).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return (withChildren ? own + Number(fields[13]) + Number(fields[14]) : own) * 10;
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Everything after a bare `--`: flags for the node process of the service a benchmark starts. */
export const nodeFlagsArg = (): string[] =>
  process.argv.includes('--') ? process.argv.slice(process.argv.indexOf('--') + 1) : [];

/** The query API's Node flags as its Deployment sets them (NODE_OPTIONS in k8s/base/query-api.yaml). */
export function deployedNodeFlags(): string[] {
  const manifest = readFileSync(resolve(root, 'k8s/base/query-api.yaml'), 'utf8');
  const flags = /name: NODE_OPTIONS\s+value: (.+)/.exec(manifest)?.[1];
  if (!flags) throw new Error('k8s/base/query-api.yaml sets no NODE_OPTIONS');
  return flags.trim().split(/\s+/);
}

/**
 * Starts the cache Redis (scripts/redis.sh, REDIS_ROLE=cache: no persistence, evicting) unless one
 * answers, and returns its URL for CACHE_REDIS_URL: what the API can recompute stays off the queue
 * Redis's AOF, as deployed (docs/operations.md, "Two Redis").
 */
export function startCacheRedis(): string {
  execFileSync('scripts/redis.sh', ['start'], {
    cwd: root,
    env: { ...process.env, REDIS_ROLE: 'cache', REDIS_PORT: '6380' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return 'redis://127.0.0.1:6380';
}

/**
 * The query API's entry point in `apiRoot`: with `--built`, the compiled build (scripts/build.sh, built
 * here first), which is what the image runs; else its sources through tsx, whose transform adds a helper
 * call per closure created (esbuild's keepNames) and source-mapped stacks: ~3 % more CPU per cache hit.
 */
export function apiEntry(apiRoot: string): { entry: string; build: 'compiled' | 'tsx' } {
  if (!process.argv.includes('--built')) return { entry: 'query-api/src/main.ts', build: 'tsx' };
  execFileSync('scripts/build.sh', { cwd: apiRoot, stdio: 'ignore' });
  return { entry: 'dist/query-api/src/main.js', build: 'compiled' };
}

/** Every thread of `pid` onto `cores` (threads it starts later inherit it). Linux, needs taskset. */
export function pinToCores(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/**
 * A benchmark's `--pin`: this process (the load generator) and `services` onto core 1, core 0 left for the
 * API (pin it there with pinToCores once it is up), as a pod has CPU of its own. The services get every
 * core back however the run ends.
 */
export function pinBesideApi(services: number[]): void {
  process.on('exit', () => services.forEach((pid) => pinToCores(pid, '0,1')));
  for (const pid of [process.pid, ...services]) pinToCores(pid, '1');
}

/** The pid a service's start script knows: `scripts/elasticsearch.sh pid`, `scripts/redis.sh pid` (of `role`). */
export function servicePid(script: 'scripts/elasticsearch.sh' | 'scripts/redis.sh', role: 'queue' | 'cache' = 'queue') {
  const env = { ...process.env, REDIS_ROLE: role };
  return Number(execFileSync(resolve(root, script), ['pid'], { cwd: root, env, encoding: 'utf8' }).trim());
}

/** A benchmark's API base URL, or its replicas' (bench/recommendations.ts --replicas), as a list. */
export const baseList = (base: string | string[]): string[] => (typeof base === 'string' ? [base] : base);

/** `--root DIR`: the checkout whose service a benchmark starts (a worktree of an older commit, to compare code). */
export const apiRootArg = (): string =>
  process.argv.includes('--root') ? resolve(process.argv[process.argv.indexOf('--root') + 1]!) : root;

export function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/**
 * Loads `count` generated listings straight into an index with bulk requests (not through the queue:
 * a catalog to search, not an indexing measurement), then refreshes and merges it for searching.
 */
export async function bulkLoadGenerated(
  es: Client,
  alias: string,
  count: number,
  seed: number,
  embedder?: TextEmbedder,
): Promise<void> {
  await es.indices.putSettings({ index: alias, settings: { refresh_interval: '-1' } });
  const started = performance.now();
  const BATCH = embedder ? 512 : 5000;
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += BATCH) {
    const docs = [];
    for (let k = i; k < Math.min(count, i + BATCH); k++) {
      const l = generateListing(k, seed);
      docs.push(toListingDocument(l, 1, l.updated_at));
    }
    if (embedder) await withEmbeddings(embedder, docs);
    inFlight.push(es.bulk({ operations: docs.flatMap((d) => [{ index: { _index: alias, _id: d.id } }, d]) }));
    if (inFlight.length >= 2) await inFlight.shift();
    const every = embedder ? 10_000 : 100_000;
    if (Math.floor((i + BATCH) / every) > Math.floor(i / every)) log(`loaded ${Math.min(count, i + BATCH)}`);
  }
  await Promise.all(inFlight);
  await es.indices.putSettings({ index: alias, settings: { refresh_interval: '1s' } });
  await es.indices.refresh({ index: alias });
  await es.indices.forcemerge({ index: alias, max_num_segments: 5 }).catch(() => undefined);
  log(`loaded ${count} listings in ${round((performance.now() - started) / 1000, 1)} s`);
}

/**
 * The vectors the indexer's embedding step would write (same model, same text, same fields), made here
 * in batches: a catalog loaded with them starts in the steady state, where only new listings wait for
 * a vector. The indexer's backfill of 100,000 listings takes most of an hour on this machine.
 */
async function withEmbeddings(embedder: TextEmbedder, docs: ListingDocument[]): Promise<void> {
  const { listingEmbeddingText, embeddingFields } = await import('../core/src/text-embedder.js');
  for (let i = 0; i < docs.length; i += 64) {
    const part = docs.slice(i, i + 64);
    const vectors = await embedder.embed(
      part.map((d) => listingEmbeddingText(d)),
      'listing',
    );
    part.forEach((d, k) => Object.assign(d, embeddingFields(vectors[k]!)));
  }
}

/**
 * Counts of values in buckets of `width` (bucket `from` = lower bound), for a distribution chart
 * (bench/charts.ts): percentiles alone hide a second mode.
 */
export function histogram(values: number[], width: number): Array<{ from: number; count: number }> {
  const counts = new Map<number, number>();
  for (const v of values) {
    const from = Math.floor(v / width) * width;
    counts.set(from, (counts.get(from) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => a[0] - b[0]).map(([from, count]) => ({ from, count }));
}

/**
 * Stores the content candidates (core/src/similar-content.ts) of generated listings `g-<seed>-<n>`, as
 * the indexer's content step would have when they were written: for the listings a benchmark will ask
 * about, not for a whole loaded catalog (at ~2-3 ms of Elasticsearch CPU each, 1M listings take about an
 * hour; what a list costs does not depend on other listings having records). Returns how many.
 */
export async function recordContentCandidates(
  es: Client,
  index: string,
  redisConfig: { url: string; namespace: string },
  ids: Set<string>,
  seed: number,
  catalog: number,
): Promise<number> {
  const redis = new Redis(redisConfig.url);
  const docs = [...ids].map((x) => toListingDocument(generateListing(Number(x.split('-').at(-1)), seed), 1, ''));
  const started = Date.now();
  try {
    for (let i = 0; i < docs.length; i += 50) {
      const batch = docs.slice(i, i + 50);
      const records = await computeContentCandidates(es, index, batch, catalog);
      await storeContentCandidates(
        redis,
        redisConfig.namespace,
        records.map((r, k) => [batch[k]!.id, r]),
      );
    }
  } finally {
    redis.disconnect();
  }
  log(`content candidates of ${docs.length} listings recorded in ${Date.now() - started} ms`);
  return docs.length;
}

/** GC pauses of the API (prom-client's api_nodejs_gc_duration_seconds, one scrape): total ms, and how many took 100 ms or more. */
async function gcPauses(base: string): Promise<{ ms: number; over100ms: number }> {
  const text = await (await fetch(`${base}/metrics`, { headers: BENCH_KEY_HEADERS })).text();
  let ms = 0;
  let over100ms = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('api_nodejs_gc_duration_seconds_sum')) ms += Number(line.split(' ').at(-1)) * 1000;
    const bucket = /^api_nodejs_gc_duration_seconds_bucket\{(.*)\} (\d+)/.exec(line);
    if (!bucket) continue;
    // Pauses of 100 ms or more: the +Inf bucket's count less the 0.1 s bucket's.
    if (bucket[1]!.includes('le="+Inf"')) over100ms += Number(bucket[2]);
    if (bucket[1]!.includes('le="0.1"')) over100ms -= Number(bucket[2]);
  }
  return { ms: round(ms, 1), over100ms };
}

/** Forks Redis has made since it started (INFO stats total_forks): each AOF rewrite is one. */
async function redisForks(redis: Redis): Promise<number> {
  return Number(/total_forks:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}

/**
 * CPU ms of the whole machine (all cores; /proc/stat's first line, one read): `busy`, everything but idle,
 * iowait and steal; `stolen`, what the hypervisor ran something else while this VM's cores wanted to run
 * (steal, the 8th field): a window with steal had less than 2 cores, whatever its processes asked for.
 */
function machineMs(): { busy: number; stolen: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - ticks[3]! - ticks[4]! - ticks[7]!) * 10, stolen: ticks[7]! * 10 };
}

/** A fixed document for speedGauge: 2,000 listings' worth of JSON (~1 MB), built once. */
let gaugeJson: string | undefined;

/**
 * How fast this machine runs a fixed piece of CPU work right now: the median ms of five JSON parses of the
 * same ~1 MB document. Earlier runs saw the very same code and load cost 1.3-2x more CPU per request in
 * some hours than in others (docs/benchmarks.md); a window's gauge says which kind of hour it ran in.
 */
export function speedGauge(): number {
  gaugeJson ??= JSON.stringify(Array.from({ length: 2000 }, (_, i) => toListingDocument(generateListing(i, 7), 1, '')));
  const times = Array.from({ length: 5 }, () => {
    const t0 = performance.now();
    JSON.parse(gaugeJson!);
    return performance.now() - t0;
  }).sort((a, b) => a - b);
  return round(times[2]!, 2);
}

/** A machine busier than this (cores, over the last second) has not settled from what ran before. */
const SETTLED_CORES = 0.25;

/**
 * Waits until the machine as a whole is quiet (under SETTLED_CORES over the last second), at most `maxMs`:
 * what one window set going (Elasticsearch's refreshes and merges after listings were written, the API's
 * background recomputations) otherwise runs on into the next and is counted as its cost. Returns how long
 * it waited, how busy the machine was when it stopped waiting, and then how fast it was (speedGauge).
 */
export async function settle(
  maxMs = 20_000,
): Promise<{ waited_ms: number; machine_cores: number; speed_gauge_ms: number }> {
  const started = performance.now();
  const samples = [{ at: started, busy: machineMs().busy }];
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = { at: performance.now(), busy: machineMs().busy };
    samples.push(now);
    const from = samples.find((x) => now.at - x.at <= 1050) ?? samples[0]!;
    const cores = now.at - from.at >= 900 ? (now.busy - from.busy) / (now.at - from.at) : Infinity;
    if (cores < SETTLED_CORES || now.at - started >= maxMs)
      return {
        waited_ms: Math.round(now.at - started),
        machine_cores: cores === Infinity ? -1 : round(cores, 2),
        speed_gauge_ms: speedGauge(),
      };
  }
}

/**
 * Cores each process kept busy while `run` ran, and the machine as a whole: on 2 cores a window whose
 * `machine` is near 2 asked for more CPU than there is, so its tail is queueing, not a stall. `bySecond`
 * has the same per second of the window (beside p99_ms_by_second): a slow second whose API took 0.7-0.8
 * core against its window's median 0.45 was a major GC, whose marking threads took the cores Elasticsearch
 * needed (docs/benchmarks.md, "The slow seconds: the API's major GCs").
 */
async function coresBusy<T>(processes: Record<string, number>, run: () => Promise<T>) {
  const read = () => {
    const own = process.cpuUsage();
    const machine = machineMs();
    return {
      ...Object.fromEntries(
        Object.entries(processes).map(([name, pid]) => [name, processCpuMs(pid, { withChildren: true })]),
      ),
      load_generator: (own.user + own.system) / 1000,
      machine: machine.busy,
      stolen: machine.stolen,
    };
  };
  type Snapshot = ReturnType<typeof read> & { at: number };
  const snapshot = (): Snapshot => ({ ...read(), at: performance.now() });
  const between = (a: Snapshot, b: Snapshot) =>
    Object.fromEntries(
      Object.keys(a)
        .filter((name) => name !== 'at')
        .map((name) => [name, round((b[name as keyof Snapshot]! - a[name as keyof Snapshot]!) / (b.at - a.at), 2)]),
    );
  const seconds = [snapshot()];
  const tick = setInterval(() => seconds.push(snapshot()), 1000);
  let result: T;
  try {
    result = await run();
  } finally {
    clearInterval(tick);
  }
  const last = snapshot();
  const cores = between(seconds[0]!, last);
  // The window's last second ends with it, a little before the next tick would have fired.
  if (last.at - seconds.at(-1)!.at >= 500) seconds.push(last);
  const bySecond: Record<string, number[]> = {};
  for (let i = 1; i < seconds.length; i++)
    for (const [name, value] of Object.entries(between(seconds[i - 1]!, seconds[i]!)))
      (bySecond[name] ??= []).push(value);
  return { result, cores, bySecond };
}

/**
 * GC pauses of this process (the benchmark, i.e. the load generator) while `run` ran: total and longest
 * ms. An open loop counts latency from when a request was due, so a pause here shows as the API's latency.
 */
async function ownGcPauses<T>(run: () => Promise<T>) {
  let ms = 0;
  let longest = 0;
  const add = (entries: PerformanceEntry[]) => {
    for (const e of entries) {
      ms += e.duration;
      longest = Math.max(longest, e.duration);
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await run();
    // Entries not yet delivered to the callback.
    add(observer.takeRecords());
    return { result, gc: { ms: round(ms, 1), longest_ms: round(longest, 1) } };
  } finally {
    observer.disconnect();
  }
}

/**
 * Runs a latency window and adds what ran beside it that can make a slow second: the API's GC pauses and
 * the load generator's own, Redis's forks (AOF rewrites: a child that takes a core for up to a second, on
 * a machine that shares its cores; docs/benchmarks.md, "The one slow second per run"), and the cores each
 * of `processes` (name -> pid), the load generator and the machine kept busy.
 */
export async function withBackgroundWork<T extends object>(
  /** The API, or its replicas (their GC time is summed). */
  base: string | string[],
  redis: Redis,
  processes: Record<string, number>,
  run: () => Promise<T>,
): Promise<
  T & {
    api_gc: { ms: number; pauses_over_100ms: number };
    load_generator_gc: { ms: number; longest_ms: number };
    redis_forks: number;
    cores_busy: Record<string, number>;
    cores_by_second: Record<string, number[]>;
    started_at: string;
  }
> {
  const bases = baseList(base);
  const apiGc = async () => {
    const each = await Promise.all(bases.map(gcPauses));
    return { ms: each.reduce((sum, g) => sum + g.ms, 0), over100ms: each.reduce((sum, g) => sum + g.over100ms, 0) };
  };
  const [before, forks] = [await apiGc(), await redisForks(redis)];
  // Wall-clock start, so a slow second (p99_ms_by_second) can be matched to logs and to what else ran.
  const startedAt = new Date().toISOString();
  const { result: measured, gc } = await ownGcPauses(() => coresBusy(processes, run));
  const { result, cores, bySecond } = measured;
  const after = await apiGc();
  return {
    ...result,
    api_gc: { ms: round(after.ms - before.ms, 1), pauses_over_100ms: after.over100ms - before.over100ms },
    load_generator_gc: gc,
    redis_forks: (await redisForks(redis)) - forks,
    cores_busy: cores,
    cores_by_second: bySecond,
    started_at: startedAt,
  };
}
