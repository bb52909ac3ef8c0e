import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

describe('loadConfig', () => {
  it('applies defaults from an empty environment', () => {
    const c = loadConfig({});
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080, maxEventLoopDelayMs: 1000, requestBudgetMs: 3000 });
    expect(c.elasticsearch.url).toBe('http://127.0.0.1:9200');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.model.candidates).toBe(200);
    expect(c.indexer.concurrency).toBeGreaterThan(0);
  });

  it('converts numbers and booleans from strings', () => {
    const c = loadConfig({ PORT: '9000', FEATURE_LOG_ENABLED: 'false', INGEST_API_KEYS: 'a, b,,c' });
    expect(c.http.port).toBe(9000);
    expect(c.featureLogEnabled).toBe(false);
    expect(c.apiKeys.map((k) => [k.secret, k.scopes])).toEqual([
      ['a', ['ingest']],
      ['b', ['ingest']],
      ['c', ['ingest']],
    ]);
  });

  it('reads scoped service keys, a name twice being a rotation, and names what is wrong without the secret', () => {
    const c = loadConfig({
      API_KEYS: 'app:events+users:old-secret-1,app:events+users:new-secret-2, ops:operator:ops-secret-3',
    });
    expect(c.apiKeys).toEqual([
      { name: 'app', scopes: ['events', 'users'], secret: 'old-secret-1' },
      { name: 'app', scopes: ['events', 'users'], secret: 'new-secret-2' },
      { name: 'ops', scopes: ['operator'], secret: 'ops-secret-3' },
    ]);
    expect(() => loadConfig({ API_KEYS: 'app:admin:long-secret' })).toThrow(/unknown scope admin/);
    expect(() => loadConfig({ API_KEYS: 'app:events:short' })).toThrow(/at least 8 characters/);
    expect(() => loadConfig({ API_KEYS: 'just-a-secret' })).toThrow(/name:scope\+scope:secret/);
    expect(() => loadConfig({ API_KEYS: 'app:events:short' })).not.toThrow(/short"/);
    // An ingest-scoped API key satisfies production's requirement.
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: 'pipeline:ingest:pipeline-secret' }).apiKeys).toHaveLength(1);
  });

  it('names every bad key at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', ES_URL: 'not a url', LOG_LEVEL: 'loud', ES_USERNAME: 'elastic' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['PORT', 'ES_URL', 'LOG_LEVEL', 'ES_PASSWORD']));
    expect((err as ConfigError).message).toContain('PORT');
  });

  it('puts the cache in the one Redis unless CACHE_REDIS_URL names another, and refuses one that is not a URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://queue:6379' }).redis.cacheUrl).toBe('redis://queue:6379');
    expect(loadConfig({ CACHE_REDIS_URL: 'redis://cache:6380' }).redis).toMatchObject({
      url: 'redis://127.0.0.1:6379',
      cacheUrl: 'redis://cache:6380',
    });
    expect(() => loadConfig({ CACHE_REDIS_URL: 'not a url' })).toThrow(/CACHE_REDIS_URL/);
  });

  it('keeps the Redis namespace default and refuses the renamed QUEUE_PREFIX, naming REDIS_NAMESPACE', () => {
    expect(loadConfig({}).redis.namespace).toBe('mkt');
    expect(loadConfig({ REDIS_NAMESPACE: 'shop1' }).redis.namespace).toBe('shop1');
    let err: unknown;
    try {
      loadConfig({ QUEUE_PREFIX: 'shop1', PORT: 'eighty' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    // Listed with the other bad keys, not thrown on its own.
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual(expect.arrayContaining(['QUEUE_PREFIX', 'PORT']));
    expect((err as ConfigError).message).toMatch(/QUEUE_PREFIX: renamed: set REDIS_NAMESPACE instead/);
  });

  it('requires ingest keys in production and a canary version with a canary share', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/INGEST_API_KEYS/);
    expect(() => loadConfig({ MODEL_CANARY_PERCENT: '10' })).toThrow(/MODEL_CANARY_VERSION/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(ConfigError);
  });
});
