import type { Client } from '@elastic/elasticsearch';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import type { Config, Listing, ListingChangeEvent } from '../../core/src/index.js';
import { cleanupRedis, dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { queueNames } from '../../core/src/redis-keys.js';
import { generateListing } from '../src/sources/generator.js';
import { upsertEvent } from '../src/sources/to-events.js';

export const silentLogger = pino({ level: 'silent' });

/** A generated listing with a few fields overridden. */
export function listing(i: number, patch: Partial<Listing> = {}): Listing {
  return { ...generateListing(i, 99), status: 'on_sale', ...patch };
}

export function upsert(i: number, version: number, patch: Partial<Listing> = {}): ListingChangeEvent {
  return upsertEvent(listing(i, patch), version);
}

/** Waits until the changes queue has nothing waiting, active or delayed. */
export async function waitForQueueIdle(config: Config, timeoutMs = 30_000): Promise<void> {
  const names = queueNames(config);
  const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(names.changes, { connection, prefix: names.prefix });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed');
      if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0) return;
      if (Date.now() > deadline) throw new Error(`queue not idle: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export async function getDoc(es: Client, alias: string, id: string): Promise<Record<string, unknown> | undefined> {
  await es.indices.refresh({ index: alias });
  const res = await es.search<Record<string, unknown>>({ index: alias, query: { ids: { values: [id] } } });
  return res.hits.hits[0]?._source;
}

/**
 * An isolated test bed: its own alias, queue and Redis prefix, and a client; everything is removed
 * after the enclosing describe block.
 */
export function isolatedBed(overrides: Record<string, string> = {}) {
  const config = testConfig(overrides);
  const es = esClient(config);
  afterAll(async () => {
    await dropIndices(es, config.elasticsearch.alias);
    await cleanupRedis(config);
    await es.close();
  });
  return { config, es, alias: config.elasticsearch.alias };
}
