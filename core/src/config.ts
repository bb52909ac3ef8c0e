import './formats.js';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { ConfigError, type FieldIssue } from './errors.js';

/**
 * Every environment variable any process reads, with its default. This is the only place that knows
 * about process.env: each main.ts calls loadConfig(process.env) once and passes the typed result on.
 */
export const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  API_REQUEST_BUDGET_MS: Type.Integer({
    minimum: 0,
    maximum: 120_000,
    default: 3000,
    description:
      'a request not answered by then gets a 503 + Retry-After (several Elasticsearch calls in a row cannot add up past it; 0: off)',
  }),
  API_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 1000,
    description: 'while the event loop lags more than this, new requests get an immediate 503 + Retry-After (0: off)',
  }),
  ES_URL: Type.String({
    pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$',
    default: 'http://127.0.0.1:9200',
    description: 'one node, or several comma-separated (the client spreads requests and skips a dead one)',
  }),
  ES_USERNAME: Type.Optional(Type.String()),
  ES_PASSWORD: Type.Optional(Type.String()),
  ES_INDEX_ALIAS: Type.String({ pattern: '^[a-z0-9_-]+$', default: 'listings' }),
  ES_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 10, maximum: 120_000, default: 2000 }),
  ES_SHARDS: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  ES_REPLICAS: Type.Integer({ minimum: 0, maximum: 5, default: 0 }),
  ES_REFRESH_INTERVAL: Type.String({ pattern: '^(-1|\\d+(ms|s))$', default: '1s' }),
  REDIS_URL: Type.String({ format: 'uri', default: 'redis://127.0.0.1:6379' }),
  CACHE_REDIS_URL: Type.Optional(
    Type.String({
      format: 'uri',
      description:
        'a Redis for what the query API can recompute (result cache, search windows, feed orders): no persistence, an eviction policy (docs/operations.md, "Two Redis"); default REDIS_URL',
    }),
  ),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 500,
    description:
      'the query API gives up on a Redis command after this long (cache bypass or 503), never waits for a reconnect',
  }),
  REDIS_NAMESPACE: Type.String({
    pattern: '^[A-Za-z0-9_-]+$',
    default: 'mkt',
    description: 'first segment of every Redis key, queue and channel (core/src/redis-keys.ts); was QUEUE_PREFIX',
  }),
  QUEUE_NAME: Type.String({ pattern: '^[A-Za-z0-9_-]+$', default: 'listing-changes' }),
  INGEST_API_KEYS: Type.String({
    default: '',
    description: 'comma-separated keys for POST /v1/listings/changes (scope ingest only; API_KEYS is the general form)',
  }),
  API_KEYS: Type.String({
    default: '',
    description:
      'comma-separated service keys `name:scope+scope:secret`; scopes: ingest, events, users, operator. Two entries of one name are a key rotation (both valid until the old one is removed)',
  }),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: Type.Integer({
    minimum: 0,
    maximum: 10_000_000,
    default: 6000,
    description: 'requests per minute per client address without a key (0: no limit)',
  }),
  RATE_LIMIT_KEY_PER_MINUTE: Type.Integer({
    minimum: 0,
    maximum: 100_000_000,
    default: 600_000,
    description: 'requests per minute per service key name (0: no limit)',
  }),
  RATE_LIMIT_SYNC_MS: Type.Integer({
    minimum: 10,
    maximum: 10_000,
    default: 250,
    description:
      'how often each pod adds its rate-limit counts to Redis and reads the totals back: pods together may let a caller exceed its limit by pods x its rate x this',
  }),
  INDEXER_CONCURRENCY: Type.Integer({ minimum: 0, maximum: 256, default: 0, description: '0 = 2 per core' }),
  INDEXER_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 20_000, default: 1000 }),
  INDEXER_BATCH_BYTES: Type.Integer({ minimum: 1024, maximum: 100_000_000, default: 5_000_000 }),
  INDEXER_FLUSH_MS: Type.Integer({ minimum: 0, maximum: 10_000, default: 5 }),
  INDEXER_METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }),
  INDEXER_LOCK_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description: "job lock; a dead worker's jobs are retried after about this long",
  }),
  MODEL_DIR: Type.String({ default: 'models' }),
  MODEL_NAME: Type.String({ pattern: '^[a-z0-9_-]+$', default: 'ltr' }),
  MODEL_VERSION: Type.String({ pattern: '^[A-Za-z0-9._-]+$', default: 'latest' }),
  MODEL_CANARY_VERSION: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]+$' })),
  MODEL_CANARY_PERCENT: Type.Integer({ minimum: 0, maximum: 100, default: 0 }),
  RANKER_BUDGET_MS: Type.Number({ minimum: 1, maximum: 1000, default: 25 }),
  RERANK_CANDIDATES: Type.Integer({ minimum: 10, maximum: 1000, default: 200 }),
  CURSOR_SECRETS: Type.String({
    default: '',
    description:
      'comma-separated HMAC secrets (16+ characters each) signing paging cursors; the first signs, all verify (rotation: prepend the new one, drop the old one after a cursor lifetime, 15 min). Required by the query API in production; elsewhere a random per-process secret',
  }),
  EMBEDDING_MODEL_DIR: Type.String({
    default: '.data/models/all-minilm-l6-v2-q',
    description:
      'query/listing text embedding model (scripts/fetch-embedding-model.sh); empty or missing: BM25 retrieval only',
  }),
  EMBEDDING_BATCH: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 32,
    description: 'listings the indexer embeds per model run',
  }),
  EMBEDDING_IDLE_MS: Type.Integer({
    minimum: 10,
    maximum: 600_000,
    default: 1000,
    description: 'wait between embedding sweeps that found no listing without a vector',
  }),
  CONTENT_STEP_BATCH: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 50,
    description:
      "listings the indexer's content step reads per sweep (their similar-items content candidates, one msearch)",
  }),
  CONTENT_STEP_IDLE_MS: Type.Integer({
    minimum: 10,
    maximum: 600_000,
    default: 500,
    description: 'wait between content-candidate sweeps that found less than a batch',
  }),
  CONTENT_STEP_BACKFILL: Type.Boolean({
    default: false,
    description:
      'on first start (no cursor in Redis), compute content candidates for every listing already indexed (~3 ms of Elasticsearch CPU each at 1M listings); off: from now on, older listings get theirs when their page is first viewed',
  }),
  KNN_CANDIDATES: Type.Integer({
    minimum: 0,
    maximum: 1000,
    default: 100,
    description: 'nearest listings by embedding added to the BM25 candidates (0: BM25 retrieval only)',
  }),
  CACHE_TTL_SECONDS: Type.Integer({ minimum: 0, maximum: 3600, default: 30 }),
  CACHE_MEMORY_ITEMS: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000 }),
  CACHE_MEMORY_MB: Type.Integer({
    minimum: 1,
    maximum: 16_384,
    default: 256,
    description:
      'budget for the in-process cache layer, counted as serialized JSON (a 200-listing window is ~80 KB); a quarter more holds serialized first pages',
  }),
  CACHE_MEMORY_TTL_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 30_000,
    description:
      'cap on how long a pod keeps an entry in process; it goes anyway when its Redis entry expires or a listing on it changes',
  }),
  CACHE_SCOPE_INVALIDATION: Type.Boolean({
    default: true,
    description:
      'drop cached results a new or changed listing may now enter (off: only those showing it; for measuring what it costs)',
  }),
  CACHE_REFRESH_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 2,
    description: 'background recomputations of hot entries near expiry run at once per pod; the rest queue',
  }),
  POPULAR_LISTS_KEEP_MS: Type.Integer({
    minimum: 0,
    default: 40_000,
    description:
      'how often one query API pod recomputes the shared popular-by-size and by-brand lists that would expire before its next round (0: off, computed on demand only)',
  }),
  POPULAR_LISTS_KEEP_TOP: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 500,
    description:
      'sizes and brands (each, most listings on sale first) whose popular lists are kept; the rest are computed on demand',
  }),
  RECS_WEIGHTS: Type.String({
    default: '',
    pattern: '^((feed|similar)\\.[a-z_]+=\\d+(\\.\\d+)?(,|$))*$',
    description:
      'overrides of the feed and similar-items blend weights, e.g. "feed.size=1,similar.popularity=0.25" (tuning runs of bench/recommendations-real.ts)',
  }),
  FEED_RANKER: Type.Union([Type.Literal('learned'), Type.Literal('blend')], {
    default: 'learned',
    description:
      'what orders a personal home feed: `learned` (the LightGBM model FEED_MODEL_NAME@FEED_MODEL_VERSION under MODEL_DIR; the blend when it is missing or fails) or `blend` (the hand-weighted blend, weights.ts)',
  }),
  FEED_VIEWS: Type.Union([Type.Literal('merge'), Type.Literal('rebuild')], {
    default: 'merge',
    description:
      "what a listing page's view does to the person's cached home feed: `merge` (the page's similar items are merged into the cached build; the view's affinities reach the feed at its next build) or `rebuild` (a fresh build at the next request, ~2.5x a merge's CPU per page)",
  }),
  FEED_MODEL_NAME: Type.String({ pattern: '^[a-z0-9_-]+$', default: 'feed-ltr' }),
  FEED_MODEL_VERSION: Type.String({ pattern: '^[A-Za-z0-9._-]+$', default: 'latest' }),
  FEATURE_LOG_ENABLED: Type.Boolean({ default: true }),
  FEATURE_LOG_MAXLEN: Type.Integer({
    minimum: 100,
    maximum: 1_000_000,
    default: 20_000,
    description: 'entries the feature-log stream keeps (each FEATURE_LOG_ITEMS x ~0.3 KB)',
  }),
  FEATURE_LOG_ITEMS: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 50,
    description: 'positions of each re-ranked window logged (clicks come from the first pages)',
  }),
  FEATURE_LOG_SAMPLE: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 1,
    description: 'share of re-ranked searches whose features are logged',
  }),
  INTERACTIONS_MAXLEN: Type.Integer({
    minimum: 1000,
    maximum: 100_000_000,
    default: 1_000_000,
    description: 'entries the interactions stream keeps (~0.2 KB each)',
  }),
  SHUTDOWN_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 3000,
    description: 'on SIGTERM, keep serving (readiness 503) this long so load balancers stop routing first',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
    description:
      'after the delay, how long closing may wait for open connections before it closes them (a connection that never sent a request would hold it forever)',
  }),
  API_HEAP_GROWING_PERCENT: Type.Integer({
    minimum: 0,
    maximum: 1000,
    default: 300,
    description:
      "V8 lets the old generation grow by this much over what the last full GC kept before the next one (0: V8's own choice); see query-api/src/main.ts",
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ format: 'uri' })),
});
export type Env = Static<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  http: { host: string; port: number; maxEventLoopDelayMs: number; requestBudgetMs: number };
  elasticsearch: {
    /** One node URL, or several separated by commas (see esNodes). */
    url: string;
    auth?: { username: string; password: string };
    alias: string;
    requestTimeoutMs: number;
    shards: number;
    replicas: number;
    refreshInterval: string;
  };
  /**
   * `namespace` starts every Redis key, BullMQ queue and channel of the project (core/src/redis-keys.ts).
   * `cacheUrl` holds what the query API can recompute (result cache, search windows, feed orders), `url`
   * everything that must survive (queue, profiles, streams, neighbours); the same Redis unless
   * CACHE_REDIS_URL is set.
   */
  redis: { url: string; cacheUrl: string; commandTimeoutMs: number; namespace: string };
  queue: { name: string };
  /** Service keys with their scopes (INGEST_API_KEYS become keys with the ingest scope). */
  apiKeys: ApiKey[];
  rateLimit: { anonymousPerMinute: number; keyPerMinute: number; syncMs: number };
  indexer: {
    concurrency: number;
    batchSize: number;
    batchBytes: number;
    flushMs: number;
    metricsPort: number;
    lockMs: number;
  };
  model: {
    dir: string;
    name: string;
    version: string;
    canaryVersion?: string;
    canaryPercent: number;
    budgetMs: number;
    candidates: number;
  };
  embedding: { modelDir: string; knnCandidates: number; batch: number; idleMs: number };
  /** The indexer's content step (indexer/src/content-step.ts). */
  contentStep: { batch: number; idleMs: number; backfill: boolean };
  cache: {
    ttlSeconds: number;
    memoryItems: number;
    memoryBytes: number;
    memoryTtlMs: number;
    refreshConcurrency: number;
    scopeInvalidation: boolean;
  };
  /** The shared popular lists kept warm (query-api/src/recommendations/popular-keeper.ts). */
  popularLists: { keepMs: number; keepTop: number };
  /** Blend weight overrides by name ("feed.size"); the query API rejects unknown names at boot. */
  recsWeights: Record<string, number>;
  /** The home feed's ranker: a learned model (under model.dir) or the blend. */
  feedRanker: { mode: 'learned' | 'blend'; name: string; version: string };
  /** What a view does to a cached feed: merged into it (page-merges.ts) or a rebuild. */
  feedViews: 'merge' | 'rebuild';
  featureLogEnabled: boolean;
  featureLog: { maxLen: number; items: number; sample: number };
  interactionsMaxLen: number;
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
  heapGrowingPercent: number;
  otlpEndpoint?: string;
  /** Empty only in production without CURSOR_SECRETS, which the query API refuses at boot. */
  cursorSecrets: string[];
}

/** Variables that were renamed, with their new name: loadConfig refuses the old one rather than ignore it. */
const RENAMED_ENV: Record<string, keyof Env> = { QUEUE_PREFIX: 'REDIS_NAMESPACE' };

/** Validates the environment once and fails fast, naming every bad key (not just the first). */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const known = Object.keys(EnvSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const v = environment[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const env = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw)) as Env;
  const issues: FieldIssue[] = [...Value.Errors(EnvSchema, env)].map((e) => ({
    path: e.path.replace(/^\//, ''),
    message: `${e.message} (got ${JSON.stringify(e.value)})`,
  }));
  // A renamed variable still set would otherwise be ignored in silence, and the process would run under
  // the default (for QUEUE_PREFIX: another Redis namespace, i.e. none of the deployment's data).
  for (const [was, now] of Object.entries(RENAMED_ENV)) {
    if (environment[was] === undefined || environment[was] === '') continue;
    issues.push({ path: was, message: `renamed: set ${now} instead (same meaning and values)` });
  }
  if ((env.ES_USERNAME === undefined) !== (env.ES_PASSWORD === undefined)) {
    issues.push({ path: 'ES_PASSWORD', message: 'ES_USERNAME and ES_PASSWORD go together' });
  }
  const apiKeys = [
    ...splitList(env.INGEST_API_KEYS).map((secret, i): ApiKey => ({
      name: `ingest-${i + 1}`,
      scopes: ['ingest'],
      secret,
    })),
  ];
  for (const entry of splitList(env.API_KEYS)) {
    const parsed = parseApiKey(entry);
    if (typeof parsed === 'string') issues.push({ path: 'API_KEYS', message: parsed });
    else apiKeys.push(parsed);
  }
  if (env.NODE_ENV === 'production' && !apiKeys.some((k) => k.scopes.includes('ingest'))) {
    issues.push({
      path: 'INGEST_API_KEYS',
      message: 'at least one key with the ingest scope (INGEST_API_KEYS or API_KEYS) is required in production',
    });
  }
  if (env.MODEL_CANARY_PERCENT > 0 && !env.MODEL_CANARY_VERSION) {
    issues.push({ path: 'MODEL_CANARY_VERSION', message: 'required when MODEL_CANARY_PERCENT > 0' });
  }
  // Only the query API uses them, so a production indexer needs none; the API refuses to boot without.
  const cursorSecrets = splitList(env.CURSOR_SECRETS);
  if (cursorSecrets.some((secret) => secret.length < 16))
    issues.push({ path: 'CURSOR_SECRETS', message: 'each secret needs at least 16 characters' });
  if (issues.length > 0) throw new ConfigError(issues);

  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    http: {
      host: env.HOST,
      port: env.PORT,
      maxEventLoopDelayMs: env.API_MAX_EVENT_LOOP_DELAY_MS,
      requestBudgetMs: env.API_REQUEST_BUDGET_MS,
    },
    elasticsearch: {
      url: env.ES_URL,
      auth: env.ES_USERNAME && env.ES_PASSWORD ? { username: env.ES_USERNAME, password: env.ES_PASSWORD } : undefined,
      alias: env.ES_INDEX_ALIAS,
      requestTimeoutMs: env.ES_REQUEST_TIMEOUT_MS,
      shards: env.ES_SHARDS,
      replicas: env.ES_REPLICAS,
      refreshInterval: env.ES_REFRESH_INTERVAL,
    },
    redis: {
      url: env.REDIS_URL,
      cacheUrl: env.CACHE_REDIS_URL ?? env.REDIS_URL,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
      namespace: env.REDIS_NAMESPACE,
    },
    queue: { name: env.QUEUE_NAME },
    apiKeys,
    rateLimit: {
      anonymousPerMinute: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      keyPerMinute: env.RATE_LIMIT_KEY_PER_MINUTE,
      syncMs: env.RATE_LIMIT_SYNC_MS,
    },
    indexer: {
      concurrency: env.INDEXER_CONCURRENCY || cpus().length * 2,
      batchSize: env.INDEXER_BATCH_SIZE,
      batchBytes: env.INDEXER_BATCH_BYTES,
      flushMs: env.INDEXER_FLUSH_MS,
      metricsPort: env.INDEXER_METRICS_PORT,
      lockMs: env.INDEXER_LOCK_MS,
    },
    model: {
      dir: env.MODEL_DIR,
      name: env.MODEL_NAME,
      version: env.MODEL_VERSION,
      canaryVersion: env.MODEL_CANARY_VERSION,
      canaryPercent: env.MODEL_CANARY_PERCENT,
      budgetMs: env.RANKER_BUDGET_MS,
      candidates: env.RERANK_CANDIDATES,
    },
    embedding: {
      modelDir: env.EMBEDDING_MODEL_DIR,
      knnCandidates: env.KNN_CANDIDATES,
      batch: env.EMBEDDING_BATCH,
      idleMs: env.EMBEDDING_IDLE_MS,
    },
    contentStep: {
      batch: env.CONTENT_STEP_BATCH,
      idleMs: env.CONTENT_STEP_IDLE_MS,
      backfill: env.CONTENT_STEP_BACKFILL,
    },
    cache: {
      ttlSeconds: env.CACHE_TTL_SECONDS,
      memoryItems: env.CACHE_MEMORY_ITEMS,
      memoryBytes: env.CACHE_MEMORY_MB * 1024 * 1024,
      memoryTtlMs: env.CACHE_MEMORY_TTL_MS,
      refreshConcurrency: env.CACHE_REFRESH_CONCURRENCY,
      scopeInvalidation: env.CACHE_SCOPE_INVALIDATION,
    },
    popularLists: { keepMs: env.POPULAR_LISTS_KEEP_MS, keepTop: env.POPULAR_LISTS_KEEP_TOP },
    recsWeights: Object.fromEntries(
      splitList(env.RECS_WEIGHTS).map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])]),
    ),
    feedRanker: { mode: env.FEED_RANKER, name: env.FEED_MODEL_NAME, version: env.FEED_MODEL_VERSION },
    feedViews: env.FEED_VIEWS,
    featureLogEnabled: env.FEATURE_LOG_ENABLED,
    featureLog: { maxLen: env.FEATURE_LOG_MAXLEN, items: env.FEATURE_LOG_ITEMS, sample: env.FEATURE_LOG_SAMPLE },
    interactionsMaxLen: env.INTERACTIONS_MAXLEN,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    heapGrowingPercent: env.API_HEAP_GROWING_PERCENT,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    // Outside production a random secret per process: cursors then die with it, which is fine there.
    cursorSecrets:
      cursorSecrets.length > 0 || env.NODE_ENV === 'production'
        ? cursorSecrets
        : [randomBytes(32).toString('base64url')],
  };
}

/** What a service key may do: see docs/operations.md, "Trust model". */
export const API_SCOPES = ['ingest', 'events', 'users', 'operator'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
export interface ApiKey {
  /** Who holds it (logs, rate-limit bucket); several keys of one name are a rotation. */
  name: string;
  scopes: ApiScope[];
  secret: string;
}

/** `name:scope+scope:secret`, or a message saying what is wrong (never the secret). */
function parseApiKey(entry: string): ApiKey | string {
  const [name, scopes, ...rest] = entry.split(':');
  const secret = rest.join(':');
  if (!name || !/^[A-Za-z0-9_.-]+$/.test(name) || !scopes || !secret)
    return `entry "${name ?? ''}" is not name:scope+scope:secret`;
  const list = scopes.split('+');
  const unknown = list.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) return `key "${name}": unknown scope ${unknown.join(', ')} (known: ${API_SCOPES.join(', ')})`;
  if (secret.length < 8) return `key "${name}": the secret must have at least 8 characters`;
  return { name, scopes: list as ApiScope[], secret };
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** The Elasticsearch node URLs of ES_URL (comma-separated): every client is given all of them. */
export function esNodes(url: string): string[] {
  return splitList(url);
}

/** "1s" / "500ms" in milliseconds; "-1" (refresh off) counts as the default second. */
export function refreshIntervalMs(interval: string): number {
  const m = /^(\d+)(ms|s)$/.exec(interval);
  if (!m) return 1000;
  return m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
}
