/**
 * Indexing benchmark: end-to-end throughput (queue in -> searchable out) and freshness lag under load.
 *
 *   npx tsx bench/indexing.ts [--events 1000000] [--workers 2] [--probe-seconds 20] [--background-rate 2000]
 *
 * Phase 1 publishes N generated upserts through the producer while worker processes (the real
 * indexer main) consume them; the clock stops when Elasticsearch counts N searchable documents.
 * Phase 2 runs a steady background load and publishes one marked listing every 100 ms, polling
 * search (no forced refresh: the default 1 s refresh interval) until it is visible.
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../core/src/index.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { ChangeProducer } from '../core/src/pipeline/change-producer.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { generateListing } from '../indexer/src/sources/generator.js';
import { upsertEvent } from '../indexer/src/sources/to-events.js';
import { arg, histogram, log, percentile, round, startProcess, stopProcess, uniqueSuffix } from './support.js';

const events = arg('events', 1_000_000);
const workers = arg('workers', 2);
const probeSeconds = arg('probe-seconds', 20);
const backgroundRate = arg('background-rate', 2000);
const id = uniqueSuffix();
const env = {
  ES_INDEX_ALIAS: `bench-idx-${id}`,
  QUEUE_NAME: `bench-${id}`,
  REDIS_NAMESPACE: `bench${id}`,
  INDEXER_METRICS_PORT: '0',
  LOG_LEVEL: 'warn',
};
const config = loadConfig({ ...process.env, ...env });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 60_000 });
const alias = config.elasticsearch.alias;
await ensureListingsIndex(es, config.elasticsearch);
const producer = new ChangeProducer(config);
const procs = Array.from({ length: workers }, () => startProcess('indexer/src/main.ts', env));

async function searchableCount(): Promise<number> {
  return (await es.count({ index: alias })).count;
}

try {
  // Phase 1: throughput.
  log(`phase 1: ${events} events, ${workers} worker processes`);
  const started = performance.now();
  const CHUNK = 5000;
  let published = 0;
  const publishing = (async () => {
    for (let i = 0; i < events; i += CHUNK) {
      const batch = [];
      for (let k = i; k < Math.min(events, i + CHUNK); k++) batch.push(upsertEvent(generateListing(k, 7)));
      await producer.publish(batch);
      published += batch.length;
    }
  })();
  let count = 0;
  let lastLog = 0;
  while (count < events) {
    await new Promise((r) => setTimeout(r, 500));
    count = await searchableCount();
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(
        `published ${published}, searchable ${count}, ${round(count / ((performance.now() - started) / 1000), 0)} events/s`,
      );
    }
  }
  await publishing;
  const seconds = (performance.now() - started) / 1000;
  const throughput = { events, duration_s: round(seconds, 1), events_per_s: round(events / seconds, 0) };
  log(`phase 1 done: ${JSON.stringify(throughput)}`);

  // Phase 2: freshness under a steady background load.
  log(`phase 2: ${probeSeconds} s of probes under ${backgroundRate} events/s`);
  let running = true;
  let next = events;
  const background = (async () => {
    while (running) {
      const t0 = performance.now();
      const batch = [];
      for (let k = 0; k < backgroundRate / 4; k++) batch.push(upsertEvent(generateListing(next++, 7)));
      await producer.publish(batch);
      await new Promise((r) => setTimeout(r, Math.max(0, 250 - (performance.now() - t0))));
    }
  })();
  const lags: number[] = [];
  const probes: Promise<void>[] = [];
  const probeEnd = Date.now() + probeSeconds * 1000;
  for (let p = 0; Date.now() < probeEnd; p++) {
    const listing = { ...generateListing(10_000_000 + p, 8), id: `probe-${id}-${p}` };
    const emitted = Date.now();
    await producer.publish([upsertEvent(listing, 1, new Date(emitted))]);
    probes.push(
      (async () => {
        for (;;) {
          const res = await es.search({ index: alias, query: { ids: { values: [listing.id] } }, size: 0 });
          if ((res.hits.total as { value: number }).value > 0) {
            lags.push(Date.now() - emitted);
            return;
          }
          if (Date.now() - emitted > 60_000) return;
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all(probes);
  running = false;
  await background;
  lags.sort((a, b) => a - b);
  const result = {
    benchmark: 'indexing',
    machine: '2 cores; Elasticsearch, Redis, producer and workers on the same host',
    throughput: {
      ...throughput,
      workers,
      worker_concurrency: config.indexer.concurrency,
      events_per_job: 500,
      bulk_batch: config.indexer.batchSize,
    },
    freshness: {
      probes: lags.length,
      background_events_per_s: backgroundRate,
      refresh_interval: config.elasticsearch.refreshInterval,
      lag_ms: {
        p50: percentile(lags, 50),
        p99: percentile(lags, 99),
        max: lags.at(-1),
        histogram: histogram(lags, 100),
      },
    },
    goals: { events_per_s: 5000, freshness_p99_ms: 2000 },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await Promise.all(procs.map(stopProcess));
  await producer.bullQueue.obliterate({ force: true }).catch(() => undefined);
  await producer.close();
  const redis = new Redis(config.redis.url);
  const keys = await redis.keys(`${env.REDIS_NAMESPACE}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true });
  await es.close();
}
