/**
 * Where the cache-hit tail comes from: one API process (with bench/event-loop-monitor.ts preloaded),
 * the hot queries of bench/search.ts at 5,000 req/s with vegeta for a whole cache TTL, then the slow
 * requests lined up, per 100 ms window, with the API's event-loop delay and GC pauses in that window.
 * A slow window with a long loop delay is a stall inside the API (a GC, a background refresh's work);
 * one without is the machine or the generator. `floor_latency_ms` is vegeta at the same rate against a
 * server answering prepared bytes of a hit's size, right after: the part that is not the API, and
 * `floor_cpu_us_per_request` that server's CPU per answer, the machine's speed that day.
 *
 *   npx tsx bench/hit-stalls.ts [--listings 1000000] [--seconds 30] [--rate 5000] [--root DIR] [--built] [--pin] [-- NODE_FLAG ...]
 *
 * Needs the index `bench/search.ts --keep-index` leaves (alias bench-search-<listings>) and vegeta
 * (scripts/bench.sh installs it). Node flags after `--` go to the API process (e.g. --max-semi-space-size=64);
 * `--root` runs the API of another checkout (a worktree of an older commit), to compare code. `--pin`
 * gives the API (and the floor's static server) core 0 to itself and puts everything else on core 1
 * (this process, vegeta, Elasticsearch, Redis; put back on every core at the end), as a pod with its
 * own CPU has it: the API's own tail, told apart from the machine's contention. Linux, needs taskset.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import type { MonitorRecord } from './event-loop-monitor.js';
import { hotSearchPaths } from './query-mix.js';
import {
  apiEntry,
  apiRootArg,
  arg,
  BENCH_KEY_HEADERS,
  log,
  nodeFlagsArg,
  pinBesideApi,
  pinToCores,
  processCpuMs,
  root,
  round,
  servicePid,
  startProcess,
  stopProcess,
  summarizeLatencies,
  uniqueSuffix,
  waitForHttp,
  withStaticServer,
} from './support.js';
import { vegetaAttack, vegetaAvailable } from './vegeta.js';
import { cleanupRedis } from '../test/support/services.js';

const listings = arg('listings', 1_000_000);
const seconds = arg('seconds', 30);
const rate = arg('rate', 5000);
const nodeFlags = nodeFlagsArg();
const apiRoot = apiRootArg();
const SLOW_MS = 5;
const WINDOW_MS = 100;

const id = uniqueSuffix();
const env = {
  ES_INDEX_ALIAS: `bench-search-${listings}`,
  REDIS_NAMESPACE: `bstall${id}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
  HOST: '127.0.0.1',
};
const config = loadConfig({ ...process.env, ...env });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 30_000 });
if (!(await es.indices.existsAlias({ name: env.ES_INDEX_ALIAS }))) {
  log(`no index ${env.ES_INDEX_ALIAS}: run npx tsx bench/search.ts --listings ${listings} --keep-index first`);
  process.exit(3);
}
await es.close();
if (!vegetaAvailable()) {
  log('vegeta is not installed: scripts/bench.sh installs it');
  process.exit(3);
}

const pin = process.argv.includes('--pin');
if (pin) pinBesideApi([servicePid('scripts/elasticsearch.sh'), servicePid('scripts/redis.sh')]);

const port = 19_000 + Math.floor(Math.random() * 1000);
const monitorFile = join(root, `.data/bench/event-loop-${id}.jsonl`);
const { entry, build } = apiEntry(apiRoot);
const api = startProcess(
  entry,
  { ...env, PORT: String(port), EVENT_LOOP_MONITOR_FILE: monitorFile, SHUTDOWN_DELAY_MS: '0' },
  [],
  ['--import', './bench/event-loop-monitor.ts', ...nodeFlags],
  apiRoot,
);
if (pin) pinToCores(api.pid!, '0');
const base = `http://127.0.0.1:${port}`;
const sent: Array<{ at: number; ms: number }> = [];
let result;
let hitBytes: number | undefined;
let apiCpuUsPerRequest: number | undefined;
let refreshes: Record<string, number> | undefined;
try {
  await waitForHttp(`${base}/health/ready`);
  if (pin) pinToCores(api.pid!, '0'); // again: threads started while it booted
  const urls = hotSearchPaths().map((p) => `${base}${p}`);
  for (const u of urls) await fetch(u); // the hot set into the cache
  hitBytes = (await (await fetch(urls[0]!)).arrayBuffer()).byteLength;
  await vegetaAttack({ urls, rate, seconds: 5 }); // JIT and connections
  const cpuBefore = processCpuMs(api.pid!);
  result = await vegetaAttack({ urls, rate, seconds, onResult: (at, ms) => sent.push({ at, ms }) });
  apiCpuUsPerRequest = round(((processCpuMs(api.pid!) - cpuBefore) * 1000) / Math.max(1, result.requests), 1);
  // What the hot entries cost while they were served: full recomputations, or checks that found them current.
  const metrics = await (await fetch(`${base}/metrics`, { headers: BENCH_KEY_HEADERS })).text();
  const started = Number(/api_cache_refreshes_total (\d+)/.exec(metrics)?.[1] ?? 0);
  const checked = Object.fromEntries(
    [...metrics.matchAll(/api_cache_revalidations_total\{outcome="(\w+)"\} (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
  );
  refreshes = { started, ...checked };
} finally {
  await stopProcess(api);
  await cleanupRedis(config); // this run's namespace
}

// The same generator at the same rate against prepared bytes of a hit's size, right after: what the
// machine and vegeta add (its p99 swung from 1.3 to 12.9 ms between hours of one day).
// Its CPU per request says how fast the machine is that day: the API's own cost per hit is best read
// against it (on 2026-12-03 the same code cost 74-100 us a hit one afternoon and 153-159 us that night).
const floor = await withStaticServer(hitBytes ?? 8000, async (base, pid) => {
  if (pin) pinToCores(pid, '0');
  const cpuBefore = processCpuMs(pid);
  const res = await vegetaAttack({ urls: [`${base}/`], rate, seconds });
  return { ...res, cpuUsPerRequest: round(((processCpuMs(pid) - cpuBefore) * 1000) / Math.max(1, res.requests), 1) };
});

const records = existsSync(monitorFile)
  ? readFileSync(monitorFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as MonitorRecord)
  : [];
rmSync(monitorFile, { force: true });
const start = sent.reduce((m, s) => Math.min(m, s.at), Infinity);
const delays = records.flatMap((r) => ('window_end' in r && r.window_end >= start ? [r] : []));
const gcs = records.flatMap((r) => ('gc' in r && r.at >= start ? [r] : []));
const gcKind = (kind: number) => (kind === 1 ? 'young' : kind === 4 ? 'full' : `kind_${kind}`);

const windows = new Map<number, number[]>();
for (const s of sent) {
  const w = Math.floor(s.at / WINDOW_MS);
  (windows.get(w) ?? windows.set(w, []).get(w)!).push(s.ms);
}
const inWindow = <T>(xs: T[], at: (x: T) => number, w: number) =>
  xs.filter((x) => at(x) >= w * WINDOW_MS && at(x) < (w + 1) * WINDOW_MS);
const worst = [...windows.entries()]
  .map(([w, ms]) => ({ w, ms, slow: ms.filter((x) => x > SLOW_MS).length }))
  .sort((a, b) => b.slow - a.slow)
  .slice(0, 10)
  .map(({ w, ms, slow }) => ({
    at_s: round((w * WINDOW_MS - start) / 1000, 1),
    requests_over_5_ms: slow,
    max_ms: round(Math.max(...ms)),
    // A request sent in this window may wait on a stall in the next one.
    api_loop_delay_max_ms: round(
      Math.max(
        0,
        ...inWindow(delays, (d) => d.window_end - 1, w)
          .concat(inWindow(delays, (d) => d.window_end - 1, w + 1))
          .map((d) => d.max_delay_ms),
      ),
    ),
    api_gc_ms: inWindow(gcs, (g) => g.at, w).map((g) => `${gcKind(g.gc)} ${round(g.ms)}`),
  }));

const gcByKind: Record<string, { count: number; total_ms: number; max_ms: number }> = {};
for (const g of gcs) {
  const s = (gcByKind[gcKind(g.gc)] ??= { count: 0, total_ms: 0, max_ms: 0 });
  s.count++;
  s.total_ms = round(s.total_ms + g.ms);
  s.max_ms = round(Math.max(s.max_ms, g.ms));
}
const slow = sent.filter((s) => s.ms > SLOW_MS).length;
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'hit-stalls',
      rate,
      seconds,
      node_flags: nodeFlags,
      api_root: apiRoot,
      api_build: build,
      pinned: pin ? 'API and static server on core 0, everything else on core 1' : false,
      latency_ms: result?.latency_ms,
      // The API process's user + system CPU over the timed attack, per request sent.
      api_cpu_us_per_request: apiCpuUsPerRequest,
      background_refreshes: refreshes,
      floor_latency_ms: { response_bytes: hitBytes, ...floor.latency_ms },
      // The same for the static server: the machine's cost of answering at all.
      floor_cpu_us_per_request: floor.cpuUsPerRequest,
      requests: sent.length,
      requests_over_5_ms: slow,
      windows_with_requests_over_5_ms: [...windows.values()].filter((ms) => ms.some((x) => x > SLOW_MS)).length,
      windows: windows.size,
      api_loop_delay_max_per_window_ms: summarizeLatencies(delays.map((d) => d.max_delay_ms)),
      api_gc: gcByKind,
      worst_windows: worst,
    },
    null,
    2,
  )}\n`,
);
