/**
 * What one similar-items list costs, in CPU rather than in tail latency (which on a shared 2-core
 * machine swings with everything else running): the API's and Elasticsearch's CPU per request, for
 * lists never asked before (cold: the whole candidate search) and then the same lists again (hot: the
 * result cache), four requests in flight.
 *
 *   npx tsx bench/similar-cost.ts [--listings 1000000] [--requests 1500] [--seed 1] [--root DIR]
 *
 * Needs the index `bench/recommendations.ts --keep` leaves (alias bench-recs-<listings>). `--root` runs
 * the API of another checkout (a worktree of an older commit) against the same index, to compare code.
 * Elasticsearch's CPU is the first `java` process's: run it with nothing else querying Elasticsearch.
 */
import { execSync } from 'node:child_process';
import { resolve } from 'node:path';
import { loadConfig } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import {
  arg,
  log,
  processCpuMs,
  root,
  round,
  startProcess,
  stopProcess,
  summarizeLatencies,
  uniqueSuffix,
  waitForHttp,
} from './support.js';

const listings = arg('listings', 1_000_000);
const requests = arg('requests', 1500);
const seed = arg('seed', 1);
const apiRoot = process.argv.includes('--root') ? resolve(process.argv[process.argv.indexOf('--root') + 1]!) : root;
const CONCURRENCY = 4;

const env = {
  ES_INDEX_ALIAS: `bench-recs-${listings}`,
  REDIS_NAMESPACE: `bsimc${uniqueSuffix()}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
};
const es = createElasticsearchClient(loadConfig({ ...process.env, ...env }).elasticsearch);
const found = await es.indices.existsAlias({ name: env.ES_INDEX_ALIAS });
await es.close();
if (!found) {
  log(`no index ${env.ES_INDEX_ALIAS}: run npx tsx bench/recommendations.ts --listings ${listings} --keep first`);
  process.exit(3);
}
const esPid = Number(execSync('pgrep -x java | head -1').toString().trim());

// Ids drawn with a seeded LCG, so two checkouts can be given the same or different lists.
let state = seed;
const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const draw = (n: number) => Array.from({ length: n }, () => `g-31-${Math.floor(next() * listings)}`);

const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const api = startProcess('query-api/src/main.ts', { ...env, PORT: String(port) }, [], [], apiRoot);

async function pass(ids: string[]) {
  const [api0, es0, t0] = [processCpuMs(api.pid!), processCpuMs(esPid), performance.now()];
  const latencies: number[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (i < ids.length) {
        const id = ids[i++]!;
        const started = performance.now();
        await (await fetch(`${base}/v1/listings/${id}/similar?size=12`)).arrayBuffer();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return {
    requests: ids.length,
    api_cpu_ms_per_request: round((processCpuMs(api.pid!) - api0) / ids.length, 3),
    elasticsearch_cpu_ms_per_request: round((processCpuMs(esPid) - es0) / ids.length, 3),
    wall_ms_per_request: round((performance.now() - t0) / ids.length, 3),
    latency_ms: summarizeLatencies(latencies),
  };
}

try {
  await waitForHttp(`${base}/health/ready`);
  await pass(draw(300)); // JIT, connections, the shared popular-by-size and by-brand lists
  const ids = draw(requests);
  const cold = await pass(ids);
  const hot = await pass(ids);
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'similar-cost', api_root: apiRoot, listings, seed, concurrency: CONCURRENCY, cold, hot }, null, 2)}\n`,
  );
} finally {
  await stopProcess(api);
}
