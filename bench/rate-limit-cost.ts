/**
 * What the rate limiter costs on the cache-hit path: the same hot searches (served from the cache) at a
 * fixed rate against an API process with the limiter counting every request in Redis (limits far above
 * the load, so none is refused) and one with it off, alternating, so a machine's drift hits both alike.
 *
 *   npx tsx bench/rate-limit-cost.ts [--listings 20000] [--rate 1000] [--seconds 15] [--rounds 2]
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../core/src/index.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { openLoop } from './open-loop.js';
import { hotSearchPaths } from './query-mix.js';
import { arg, bulkLoadGenerated, log, startProcess, stopProcess, uniqueSuffix, waitForHttp } from './support.js';

const listings = arg('listings', 20_000);
const rate = arg('rate', 1000);
const seconds = arg('seconds', 15);
const rounds = arg('rounds', 2);
const id = uniqueSuffix();
const baseEnv = {
  ES_INDEX_ALIAS: `bench-rl-${id}`,
  REDIS_NAMESPACE: `brl${id}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
};
const config = loadConfig({ ...process.env, ...baseEnv });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 120_000 });
const paths = hotSearchPaths();
const limiter = { on: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10000000' }, off: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' } };

async function measure(which: keyof typeof limiter) {
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const api = startProcess('query-api/src/main.ts', { ...baseEnv, ...limiter[which], PORT: String(port) });
  try {
    await waitForHttp(`${base}/health/ready`);
    await openLoop({ base, paths, rate: 200, seconds: 3 }); // every hot entry cached
    const run = await openLoop({ base, paths, rate, seconds });
    return {
      limiter: which,
      requests_per_s: run.requests_per_s,
      latency_ms: run.latency_ms,
      non_2xx: run.non_2xx,
      errors: run.errors,
    };
  } finally {
    await stopProcess(api);
  }
}

try {
  await ensureListingsIndex(es, config.elasticsearch);
  await bulkLoadGenerated(es, config.elasticsearch.alias, listings, 21);
  const runs: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (let r = 0; r < rounds; r++) {
    for (const which of ['on', 'off'] as const) {
      const result = await measure(which);
      log(JSON.stringify(result));
      runs.push(result);
    }
  }
  const p = (which: string, q: 'p50' | 'p99') => runs.filter((r) => r.limiter === which).map((r) => r.latency_ms[q]);
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'rate-limit-cost', listings, rate, seconds, runs, p50_ms: { on: p('on', 'p50'), off: p('off', 'p50') }, p99_ms: { on: p('on', 'p99'), off: p('off', 'p99') } }, null, 2)}\n`,
  );
} finally {
  const redis = new Redis(config.redis.url);
  const keys = await redis.keys(`${baseEnv.REDIS_NAMESPACE}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await es.indices.delete({ index: `${config.elasticsearch.alias}-*`, ignore_unavailable: true });
  await es.close();
}
