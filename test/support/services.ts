import { Client } from '@elastic/elasticsearch';
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../core/src/index.js';

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
    QUEUE_PREFIX: `t${id}`,
    INGEST_API_KEYS: 'test-key',
    ...overrides,
  });
}

export function uniqueName(): string {
  return randomUUID().slice(0, 8);
}

export function esClient(config: Config): Client {
  return new Client({ node: config.elasticsearch.url, requestTimeout: 30_000 });
}

/** Removes every index behind a test alias (and the alias itself). */
export async function dropIndices(client: Client, alias: string): Promise<void> {
  await client.indices.delete({ index: `${alias}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined);
}
