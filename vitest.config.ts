import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing running; `integration` talks to the real Elasticsearch and Redis
// that scripts/test.sh starts (each test uses its own index / queue names); `fuzz` (query-api/test/fuzz)
// too, after the integration tests: its thousands of requests would otherwise load Elasticsearch beside
// tests that time freshness in seconds.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['{core,indexer,query-api,ranking,models,k8s,test}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/*.fuzz.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Tests share one Elasticsearch node and one Redis on a 2-core machine.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'fuzz',
          sequence: { groupOrder: 2 },
          include: ['**/*.fuzz.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 240_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
