/**
 * Cost of the co-engagement neighbour job (indexer/src/neighbours) per event, and its Redis memory per
 * listing and per user, on a synthetic stream: the numbers docs/benchmarks.md scales to 3k, 1M and 10M
 * listings.
 *
 *   npx tsx bench/neighbour-job-cost.ts [--listings 1000000] [--users 200000] [--events 50000]
 *
 * Users have a taste (a block of 100 listings) and engage mostly with its popular end; the event mix is
 * 70 % views, 20 % clicks, 8 % likes, 2 % purchases. The job drains the stream as it does in
 * production (batches of 100 through the Lua script); we report wall time and time inside the script
 * per event, then MEMORY USAGE of a sample of neighbour lists and histories.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig, redisKeys, seededRandom } from '../core/src/index.js';
import { NeighbourJob } from '../indexer/src/neighbours/neighbour-job.js';
import { arg, log, round, uniqueSuffix } from './support.js';

const listings = arg('listings', 1_000_000);
const users = arg('users', 200_000);
const events = arg('events', 50_000);
const prefix = `bnbc${uniqueSuffix()}`;
const config = loadConfig({ ...process.env, REDIS_NAMESPACE: prefix });
const redis = new Redis(config.redis.url);
const keys = redisKeys(prefix).neighbours;
const r = seededRandom(7);
const blocks = Math.max(1, Math.floor(listings / 100));
const taste = (u: number) => (u * 2_654_435_761) % blocks;

try {
  const ts = new Date().toISOString();
  for (let i = 0; i < events; i += 5000) {
    const tx = redis.pipeline();
    for (let k = i; k < Math.min(events, i + 5000); k++) {
      const u = Math.floor(Math.pow(r(), 1.5) * users);
      const listing = `l${taste(u) * 100 + Math.floor(Math.pow(r(), 2) * 100)}`;
      const x = r();
      const type = x < 0.7 ? 'view' : x < 0.9 ? 'click' : x < 0.98 ? 'like' : 'purchase';
      tx.xadd(
        redisKeys(prefix).interactions,
        '*',
        'event',
        JSON.stringify({ user_id: `u${u}`, type, listing_id: listing, ts }),
      );
    }
    await tx.exec();
  }
  log(`appended ${events} events`);
  const job = new NeighbourJob(config.redis.url, prefix, pino({ level: 'silent' }));
  const started = performance.now();
  const applied = await job.drain();
  const wallMs = performance.now() - started;
  await job.close();

  const sample = async (pattern: string, n: number) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [c, ks] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = c;
      found.push(...ks);
    } while (cursor !== '0' && found.length < n);
    const sizes = await Promise.all(
      found
        .slice(0, n)
        .map(
          async (k) =>
            [
              Number(await redis.memory('USAGE', k)),
              (await redis.type(k)) === 'zset' ? await redis.zcard(k) : await redis.llen(k),
            ] as const,
        ),
    );
    return {
      keys_sampled: sizes.length,
      bytes_avg: round(sizes.reduce((s, [b]) => s + b, 0) / Math.max(1, sizes.length), 0),
      members_avg: round(sizes.reduce((s, [, m]) => s + m, 0) / Math.max(1, sizes.length), 1),
    };
  };
  const popMembers = await redis.zcard(keys.popularity);
  const popBytes = Number(await redis.memory('USAGE', keys.popularity));
  console.log(
    JSON.stringify(
      {
        benchmark: 'neighbour-job-cost',
        listings,
        users,
        events,
        applied,
        wall_us_per_event: round((wallMs * 1000) / applied, 1),
        script_us_per_event: round((job.stats.scriptMs * 1000) / applied, 1),
        events_per_second: round(applied / (wallMs / 1000), 0),
        neighbour_list: await sample(keys.list('*'), 500),
        user_history: await sample(keys.history('*'), 500),
        popularity: { members: popMembers, bytes_per_member: round(popBytes / Math.max(1, popMembers), 1) },
      },
      null,
      1,
    ),
  );
} finally {
  let cursor = '0';
  do {
    const [c, ks] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = c;
    if (ks.length > 0) await redis.unlink(...ks);
  } while (cursor !== '0');
  redis.disconnect();
}
