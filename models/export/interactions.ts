/**
 * Click training data from the logs: reads the feature-log and interactions streams from Redis
 * (core/src/redis-keys.ts), joins them (join-interactions.ts) and writes JSON lines.
 *   npx tsx models/export/interactions.ts [--out .data/training/clicks.jsonl]
 */
import { Redis } from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, redisKeys, type InteractionEvent } from '../../core/src/index.js';
import { joinInteractions, type FeatureLogEntry } from './join-interactions.js';

export async function readLogs(
  redis: Redis,
  namespace: string,
): Promise<{ log: FeatureLogEntry[]; events: InteractionEvent[] }> {
  const keys = redisKeys(namespace);
  const fields = (f: string[]) =>
    Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i]!, f[2 * i + 1]!]));
  const log = (await redis.xrange(keys.featureLog, '-', '+')).map(([, f]) => {
    const e = fields(f);
    return {
      query_id: e.query_id!,
      query: e.query!,
      user_id: e.user_id!,
      items: JSON.parse(e.items!),
    } as FeatureLogEntry;
  });
  const events = (await redis.xrange(keys.interactions, '-', '+')).map(
    ([, f]) => JSON.parse(fields(f).event!) as InteractionEvent,
  );
  return { log, events };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const config = loadConfig(process.env);
  const redis = new Redis(config.redis.url);
  const { log, events } = await readLogs(redis, config.redis.namespace);
  const rows = joinInteractions(log, events);
  const out = resolve(values.out ?? '.data/training/clicks.jsonl');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  process.stdout.write(
    `${JSON.stringify({ impressions: log.length, events: events.length, rows: rows.length, clicked: rows.filter((r) => r.rating > 0).length, out })}\n`,
  );
  redis.disconnect();
}
