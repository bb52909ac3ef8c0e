/**
 * What acknowledging a listing change after an fsync costs: publishes batches of changes through the
 * producer, one at a time and then 16 at once, against our own Redis (never the shared one) with
 * `appendfsync everysec` and then `always`. Prints JSON: per mode, p50/p99 of a publish and changes/s.
 *
 *   npx tsx bench/redis-fsync.ts [--batches 400] [--events 5]
 */
import { loadConfig } from '../core/src/index.js';
import { ChangeProducer } from '../core/src/pipeline/change-producer.js';
import { upsertEvent } from '../indexer/src/sources/to-events.js';
import { generateListing } from '../indexer/src/sources/generator.js';
import { OwnRedis } from '../test/support/own-services.js';
import { arg, log, round, summarizeLatencies, uniqueSuffix } from './support.js';

const batches = arg('batches', 400);
const perBatch = arg('events', 5);
const redis = new OwnRedis(Number(process.env.FSYNC_REDIS_PORT ?? 6392));
await redis.start();
const config = loadConfig({ REDIS_URL: redis.url, QUEUE_NAME: `fsync-${uniqueSuffix()}`, REDIS_NAMESPACE: 'fsync' });
const producer = new ChangeProducer(config, { failFast: true });
await producer.bullQueue.waitUntilReady();
let version = 1;
const batch = () =>
  Array.from({ length: perBatch }, (_, i) => upsertEvent({ ...generateListing(i, 3), id: `f-${i}` }, ++version));

async function measure(concurrency: number) {
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < batches) {
        const t = performance.now();
        await producer.publish(batch());
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const l = summarizeLatencies(latencies);
  return {
    concurrency,
    publish_p50_ms: l.p50,
    publish_p99_ms: l.p99,
    changes_per_s: round((batches * perBatch) / seconds, 0),
  };
}

const results: Record<string, unknown> = {};
try {
  for (const mode of ['everysec', 'always'] as const) {
    await redis.setFsync(mode);
    await measure(4); // warm-up
    results[mode] = [await measure(1), await measure(16)];
    log(`${mode}: ${JSON.stringify(results[mode])}`);
  }
} finally {
  await producer.close();
  await redis.stop();
}
process.stdout.write(`${JSON.stringify({ batches, events_per_batch: perBatch, results })}\n`);
