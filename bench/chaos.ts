/**
 * The chaos benchmark (issue 22): a steady mixed load through the API while one fault at a time is
 * injected and healed, then a check of the history. Everything runs on its own servers: a Redis on
 * CHAOS_REDIS_PORT (6390), a 3-node Elasticsearch (one process per node) on CHAOS_ES_PORT (9250-9252,
 * transport 9350-9352, data under .data/), delay proxies in front of it for the API (9290-9292), one
 * API (8190) and one indexer process (metrics 9490); the shared Redis and Elasticsearch are never touched. Prints one JSON document per fault on stdout.
 *
 *   npx tsx bench/chaos.ts [--faults es-node,redis-kill,...] [--before 10] [--after 10]
 *                          [--changes 25] [--searches 5] [--listings 300]
 */
import { Queue } from 'bullmq';
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { loadConfig, queueNames } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { DeadLetterQueue } from '../indexer/src/dead-letters.js';
import { FAULTS, type FaultContext } from './chaos/faults.js';
import { ChaosLoad, type Kind } from './chaos/load.js';
import { DelayProxy, OwnCluster, OwnRedis } from '../test/support/own-services.js';
import { checkHistory, healMs, summarizePhases } from './chaos/verify.js';
import { arg, log, root, round, startProcess, uniqueSuffix, waitForHttp } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const faultArg = process.argv.indexOf('--faults');
const faultNames = faultArg >= 0 ? process.argv[faultArg + 1]!.split(',') : Object.keys(FAULTS);
for (const n of faultNames)
  if (!FAULTS[n]) throw new Error(`unknown fault ${n}; known: ${Object.keys(FAULTS).join(', ')}`);
const beforeS = arg('before', 10);
const afterS = arg('after', 10);
const esPort = Number(process.env.CHAOS_ES_PORT ?? 9250);
const redisPort = Number(process.env.CHAOS_REDIS_PORT ?? 6390);
// One API and one indexer process: the machine's two cores are shared, and the faults are about dependencies.
const apiPorts = [8190];
const indexerPorts = [9490];
const esTimeoutMs = 2000;
// What each kind of request may take: the API's request budget (API_REQUEST_BUDGET_MS); liveness does no I/O.
const requestBudgetMs = 3000;
const budgetMs: Record<Kind, number> = {
  search: requestBudgetMs,
  feed: requestBudgetMs,
  similar: requestBudgetMs,
  events: requestBudgetMs,
  changes: requestBudgetMs,
  live: 1000,
};
const clientTimeoutMs = 10_000;

const id = uniqueSuffix();
const redis = new OwnRedis(redisPort);
const cluster = new OwnCluster(esPort, 3);
const proxies = cluster.nodeUrls().map((_, i) => new DelayProxy(esPort + 40 + i, esPort + i));
const keys = { ingest: 'chaos-ingest-key', app: 'chaos-app-key', operator: 'chaos-operator-key' };
const env: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'error',
  REDIS_URL: redis.url,
  ES_INDEX_ALIAS: `chaos-listings-${id}`,
  ES_SHARDS: '1',
  ES_REPLICAS: '1',
  ES_REQUEST_TIMEOUT_MS: String(esTimeoutMs),
  API_REQUEST_BUDGET_MS: String(requestBudgetMs),
  QUEUE_NAME: `chaos-changes-${id}`,
  REDIS_NAMESPACE: `chaos${id}`,
  API_KEYS: `chaos-app:events+users:${keys.app},chaos-ingest:ingest:${keys.ingest},chaos-op:operator:${keys.operator}`,
  SHUTDOWN_DELAY_MS: '0',
  // A SIGKILLed worker's jobs come back after the lock expires: short here so the run is short.
  INDEXER_LOCK_MS: '5000',
  INDEXER_CONCURRENCY: '4',
};
/** The queue names the processes derive from this environment (the same loader and module as theirs). */
const names = queueNames(loadConfig(env));
const apiEnv = (slot: number) => ({
  ...env,
  PORT: String(apiPorts[slot]),
  ES_URL: proxies.map((p) => `http://127.0.0.1:${p.port}`).join(','),
});
const indexerEnv = (slot: number) => ({
  ...env,
  INDEXER_METRICS_PORT: String(indexerPorts[slot]),
  ES_URL: cluster.nodeUrls().join(','),
});
const apis: ChildProcess[] = [];
const indexers: ChildProcess[] = [];

async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
async function startApi(slot: number) {
  apis[slot] = startProcess('query-api/src/main.ts', apiEnv(slot));
  await waitForHttp(`http://127.0.0.1:${apiPorts[slot]}/health/ready`, 120_000);
}
async function startIndexer(slot: number) {
  indexers[slot] = startProcess('indexer/src/main.ts', indexerEnv(slot));
  await waitForHttp(`http://127.0.0.1:${indexerPorts[slot]}/health/ready`, 120_000);
}

/** Waits until the changes queue holds nothing waiting, delayed or active. */
async function drain(timeoutMs = 240_000): Promise<number> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(names.changes, { connection, prefix: names.prefix });
  const started = Date.now();
  try {
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0)
        return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`queue did not drain: ${JSON.stringify(c)}`);
      await sleep(250);
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Requests the API processes shed (503 at once because their event loop lagged), summed over both. */
async function shedRequests(): Promise<number | null> {
  let total = 0;
  for (const port of apiPorts) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { 'x-api-key': keys.operator } }).catch(
      () => undefined,
    );
    if (!res?.ok) return null;
    for (const m of (await res.text()).matchAll(/^api_shed_requests_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  }
  return total;
}

/**
 * The API's own event-loop lag since the last call (prom-client resets its histogram on each scrape):
 * what the API did, apart from what this process (load generator, proxies) adds to measured latency.
 */
async function apiLoopLag(): Promise<{ p99_ms: number; max_ms: number } | null> {
  const res = await fetch(`http://127.0.0.1:${apiPorts[0]!}/metrics`, {
    headers: { 'x-api-key': keys.operator },
    signal: AbortSignal.timeout(5000),
  }).catch(() => undefined);
  if (!res?.ok) return null;
  const text = await res.text();
  const read = (name: string) =>
    Number(new RegExp(`^api_nodejs_eventloop_lag_${name}_seconds (\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99_ms: round(read('p99'), 1), max_ms: round(read('max'), 1) };
}

/** The indexer's failed document writes by reason (blocked, retry, request...), since it started. */
async function indexerFailures(): Promise<Record<string, number> | null> {
  const res = await fetch(`http://127.0.0.1:${indexerPorts[0]!}/metrics`).catch(() => undefined);
  if (!res?.ok) return null;
  const out: Record<string, number> = {};
  for (const m of (await res.text()).matchAll(/^indexer_documents_failed_total\{reason="([^"]+)"\} (\d+)/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

async function failedJobs(): Promise<number> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(names.changes, { connection, prefix: names.prefix });
  const n = await queue.getFailedCount();
  await queue.close();
  connection.disconnect();
  return n;
}

const ctx: FaultContext = {
  cluster,
  redis,
  proxies,
  alias: env.ES_INDEX_ALIAS!,
  apis,
  killApi: (slot) => killChild(apis[slot]),
  startApi,
  killIndexer: (slot) => killChild(indexers[slot]),
  startIndexer,
};

async function runFault(name: string) {
  const fault = FAULTS[name]!;
  const load = new ChaosLoad({
    bases: apiPorts.map((p) => `http://127.0.0.1:${p}`),
    prefix: `chaos-${name}-${id}`,
    listings: arg('listings', 300),
    changesPerSecond: arg('changes', 25),
    searchesPerSecond: arg('searches', 5),
    clientTimeoutMs,
    keys,
  });
  await fault.prepare?.(ctx);
  // The run's listings exist before the load starts, so searches and similar have something to find.
  const seed = load.seedEvents();
  for (let i = 0; i < seed.length; i += 500) {
    const res = await fetch(`http://127.0.0.1:${apiPorts[0]!}/v1/listings/changes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': keys.ingest },
      body: JSON.stringify({ events: seed.slice(i, i + 500) }),
    });
    if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
  await drain();
  log(`${name}: load before the fault (${beforeS} s)`);
  await apiLoopLag();
  load.start();
  await sleep(beforeS * 1000);
  const loopLag: Record<string, unknown> = { before: await apiLoopLag() };
  load.phase = 'during';
  const faultStart = performance.now();
  const loadAtFault = loadavg()[0]!;
  const details = await fault.inject(ctx);
  log(`${name}: injected ${JSON.stringify(details)}; holding ${fault.holdMs} ms`);
  await sleep(fault.holdMs);
  const healStart = performance.now();
  await fault.heal(ctx);
  const healedAfterMs = Math.round(performance.now() - healStart);
  // Green again (every replica assigned) is reported, not waited for beyond a minute: recovery on a busy machine is slow.
  const greenAfterMs = await cluster.waitForStatus('green', 60_000).then(
    () => Math.round(performance.now() - healStart),
    () => null,
  );
  log(`${name}: healed in ${healedAfterMs} ms; load after (${afterS} s)`);
  loopLag.during = await apiLoopLag();
  load.phase = 'after';
  await sleep(afterS * 1000);
  loopLag.after = await apiLoopLag();
  await load.stop();
  const drainMs = await drain();
  // Our own cluster, no credentials.
  const es = createElasticsearchClient({ url: cluster.nodeUrls().join(','), requestTimeoutMs: 30_000 });
  const dlqConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const dlq = new DeadLetterQueue(names.deadLetters, names.prefix, dlqConnection);
  try {
    const history = await checkHistory(es, env.ES_INDEX_ALIAS!, load.changes, dlq);
    return {
      fault: name,
      details,
      fault_held_ms: Math.round(healStart - faultStart),
      // The machine is shared: its 1-minute load average (2 cores) when the fault began and at the end.
      machine_load_1m: [round(loadAtFault, 1), round(loadavg()[0]!, 1)],
      heal_action_ms: healedAfterMs,
      cluster_green_after_heal_ms: greenAfterMs,
      // From the start of the heal until the first second in which every search and change succeeded.
      max_time_to_heal_ms: healMs(load.records, healStart),
      queue_drain_after_load_ms: drainMs,
      failed_jobs: await failedJobs(),
      // Cumulative since the indexer process started: shows the writes the fault refused (e.g. 'blocked').
      indexer_failed_writes_total: await indexerFailures(),
      // Cumulative since the API processes started (a restarted process starts again from 0).
      api_shed_requests_total: await shedRequests(),
      processes_alive: {
        apis: apis.filter((c) => c.exitCode === null && c.signalCode === null).length,
        indexers: indexers.filter((c) => c.exitCode === null && c.signalCode === null).length,
      },
      ...history,
      phases: summarizePhases(load.records, budgetMs),
      // Null when the API could not be asked (e.g. it was the process killed during the phase).
      api_event_loop_lag_ms: loopLag,
      budgets_ms: budgetMs,
      client_timeout_ms: clientTimeoutMs,
    };
  } finally {
    await dlq.close();
    dlqConnection.disconnect();
    await es.close();
    await load.close();
  }
}

/** Everything this run started, stopped (also on Ctrl-C): only our own processes, by their pids. */
async function cleanup() {
  await Promise.all([...apis, ...indexers].map(killChild));
  for (const p of proxies) await p.stop().catch(() => undefined);
  await redis.stop();
  if (!process.env.CHAOS_KEEP_CLUSTER) await cluster.stop();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

async function main() {
  log(`starting own Redis :${redisPort} and 3-node Elasticsearch :${esPort}-${esPort + 2}`);
  await redis.start();
  await cluster.start();
  for (const p of proxies) await p.start();
  await startIndexer(0);
  await startApi(0);
  try {
    for (const name of faultNames) {
      const result = await runFault(name);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  } finally {
    await cleanup();
  }
}

await main();
log(`done (${root})`);
