import type { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import { loadConfig, type Config } from '../../core/src/index.js';

/**
 * The service keys testConfig() configures: the app's backend (events, per-user reads), an operator,
 * and the ingestion pipeline. Send them as `x-api-key`.
 */
export const TEST_KEYS = { app: 'test-app-key', operator: 'test-operator-key', ingest: 'test-key' } as const;

/** Config for integration tests: the real local services, unique names per call. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = uniqueName();
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ES_URL: process.env.ES_URL ?? 'http://127.0.0.1:9200',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ES_INDEX_ALIAS: `test-listings-${id}`,
    QUEUE_NAME: `test-changes-${id}`,
    REDIS_NAMESPACE: `t${id}`,
    INGEST_API_KEYS: TEST_KEYS.ingest,
    API_KEYS: `app:events+users:${TEST_KEYS.app},ops:operator+users:${TEST_KEYS.operator}`,
    // Tests send thousands of requests from one address; the limiter has its own test.
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
    RATE_LIMIT_KEY_PER_MINUTE: '0',
    // BM25 retrieval unless a test asks for the embedding model (loading it costs every app a few hundred ms).
    EMBEDDING_MODEL_DIR: '',
    // Popular lists on demand, so a test counts its own Elasticsearch requests; the keeper has its own test.
    POPULAR_LISTS_KEEP_MS: '0',
    ...overrides,
  });
}

export function uniqueName(): string {
  return randomUUID().slice(0, 8);
}

/** A client for a test's own setup and checks: every node of the config, a patient timeout. */
export function esClient(config: Config): Client {
  return createElasticsearchClient(config.elasticsearch, { requestTimeout: 30_000 });
}

/** Unlinks every key of `client` that matches `pattern`, by SCAN (never KEYS on a shared Redis). */
export async function unlinkMatching(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [c, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = c;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

/** Deletes every Redis key of a test's namespace (its queues, profiles, cache entries, counters), in both Redis. */
export async function cleanupRedis(config: Config): Promise<void> {
  for (const url of new Set([config.redis.url, config.redis.cacheUrl])) {
    const redis = new Redis(url);
    await unlinkMatching(redis, `${config.redis.namespace}:*`);
    redis.disconnect();
  }
}

/** Removes every index behind a test alias (and the alias itself). */
export async function dropIndices(client: Client, alias: string): Promise<void> {
  await client.indices
    .delete({ index: `${alias}-*`, ignore_unavailable: true, allow_no_indices: true })
    .catch(() => undefined);
}
