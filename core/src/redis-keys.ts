import type { Config } from './config.js';

/**
 * Every Redis key, BullMQ queue and pub/sub channel of the project, and what bounds each one: the one
 * place to read before adding a structure to Redis or sizing it (docs/operations.md, "Redis memory
 * budget", has the measured sizes). Redis runs `noeviction` because it holds the indexing queue, so a
 * structure without a bound would, once Redis is full, stop listing changes from being accepted.
 *
 * Every name starts with the namespace (REDIS_NAMESPACE, config.redis.namespace), so deployments can
 * share a Redis. The strings are a storage format: running deployments keep their data under them, so
 * they never change (core/test/redis-keys.test.ts pins each one). On Redis Cluster the namespace would
 * need a hash tag, since the neighbour job's scripts touch many keys at once.
 */
export function redisKeys(namespace: string): RedisKeys {
  // Built once per namespace: request paths ask for a key many times a request, and building the object
  // (a dozen closures) each time showed in the API's CPU profile (~1-2 % of a fresh feed build under tsx).
  // A process knows one namespace (tests a few hundred), so the map stays small.
  let keys = keysByNamespace.get(namespace);
  if (!keys) {
    keys = Object.freeze(buildRedisKeys(namespace));
    keysByNamespace.set(namespace, keys);
  }
  return keys;
}

const keysByNamespace = new Map<string, RedisKeys>();

function buildRedisKeys(namespace: string) {
  const ns = namespace;
  const nb = NEIGHBOUR_KEY_NAMES;
  return {
    /** Indexer -> readers (docs: core/src/pipeline/change-notifications.ts); nothing here grows. */
    changes: {
      /** Pub/sub channel: the ids of each bulk as a JSON array. Nothing stored. */
      channel: `${ns}:listing-changes`,
      /** Counter bumped by every bulk ("anything indexed lately?"): one integer. */
      bulkCounter: `${ns}:index-generation`,
      /**
       * Pub/sub channel: ids whose new text embeddings kNN searches now find, as a JSON array (the
       * embedding step's, after a bulk's text). Nothing stored.
       */
      vectorsChannel: `${ns}:listing-vectors`,
      /** Pub/sub channel: the physical index behind the alias after a reindex swap. Nothing stored. */
      indexSwaps: `${ns}:index-swaps`,
      /**
       * Set of extra indices every worker of queue `queue` writes to while a reindex builds a new one:
       * one or two names, removed by the reindex when it ends (indexer/src/write-targets.ts).
       */
      writeTargets: (queue: string) => `${ns}:${queue}:extra-write-targets`,
    },
    /**
     * Streams of training data (written by the query API, read by models/export/interactions.ts),
     * capped on every XADD with MAXLEN ~ FEATURE_LOG_MAXLEN (entries of FEATURE_LOG_ITEMS positions):
     * fields `query_id`, `ts`, `user_id` ('' when anonymous), `query`, `ranker`, `feature_names` (JSON
     * string[]), `items` (JSON array of { listing_id, position, bm25, score, features: number[] }).
     */
    featureLog: `${ns}:feature-log`,
    /** Capped with MAXLEN ~ INTERACTIONS_MAXLEN; field `event` (JSON InteractionEvent). The neighbour job's input. */
    interactions: `${ns}:interactions`,
    /**
     * Co-engagement neighbours: written by the neighbour job (indexer process; its Lua scripts build the
     * same names from NEIGHBOUR_KEY_NAMES), read by the query API (similar items, feed).
     */
    neighbours: {
      /** Sorted set: other listing -> score. NEIGHBOURS_KEPT members (twice that between trims), NEIGHBOURS_TTL_S. */
      list: (id: string) => `${ns}:${nb.list}:${id}`,
      /** Sorted set of decayed engagement per listing: gone ones leave, those below POPULARITY_FLOOR are pruned. */
      popularity: `${ns}:${nb.popularity}`,
      /** List: the user's last HISTORY_LENGTH engaged listings, HISTORY_TTL_S after the last one. */
      history: (user: string) => `${ns}:${nb.history}:${user}`,
      /** Sorted set listing -> when it was sold/removed; entries older than NEIGHBOUR_GONE_MEMORY_MS are dropped. */
      gone: `${ns}:${nb.gone}`,
      /** String: the last stream id applied (the job's cursor). */
      highWater: `${ns}:${nb.highWater}`,
      /** String: the pod applying the stream; expires NEIGHBOUR_LEASE_MS after its last renewal. */
      lease: `${ns}:${nb.lease}`,
    },
    /**
     * A listing's content candidates for similar items (core/src/similar-content.ts): a JSON string of
     * CONTENT_CANDIDATES_KEPT ids at most, written by the indexer's content step and by the query API,
     * expiring when CONTENT_CANDIDATES_MAX_AGE_MS old (ten minutes).
     */
    contentCandidates: (id: string) => `${ns}:similar-content:${id}`,
    /** String: where the indexer's content step has swept to (JSON [indexed_at ms, listing id]). */
    contentCandidatesCursor: `${ns}:similar-content-cursor`,
    /** String: the indexer pod running the content step; expires 15 s after its last renewal. */
    contentCandidatesLease: `${ns}:similar-content-lease`,
    /** String: the query API pod keeping the shared popular lists warm (popular-keeper.ts); expires after its last renewal. */
    popularListsLease: `${ns}:popular-lists-lease`,
    /**
     * A user's profile (query-api/src/profiles/profile-store.ts): lists and the sorted set trimmed to
     * PROFILE_BOUNDS on every write, the affinity hash to its strongest PROFILE_BOUNDS.affinityFields;
     * every key (and `version`, bumped by each event but a view) expires PROFILE_TTL_S after the user's last event.
     */
    profile: (user: string) => ({
      affinity: `${ns}:profile:${user}:affinity`,
      recent: `${ns}:profile:${user}:recent`,
      // A sorted set by time, so the oldest go first past the bound (the unbounded set it replaced was `purchased`).
      purchased: `${ns}:profile:${user}:purchases`,
      queries: `${ns}:profile:${user}:queries`,
      prices: `${ns}:profile:${user}:prices`,
      liked: `${ns}:profile:${user}:liked`,
      version: `${ns}:profile:${user}:v`,
    }),
    /**
     * The next five live in the cache Redis (config.redis.cacheUrl; docs/operations.md, "Two Redis"):
     * everything there has a TTL and can be recomputed, so that Redis may evict.
     *
     * Result cache (query-api/src/cache/result-cache.ts): an entry expires after CACHE_TTL_SECONDS or
     * its caller's override (at most 600 s, similar items); the per-listing index set of entries showing a
     * listing lives as long as its longest entry.
     */
    cacheEntry: (key: string) => `${ns}:cache:${key}`,
    cacheByListing: (id: string) => `${ns}:cache-by-listing:${id}`,
    /** A process computing an entry after a miss (COMPUTE_LEASE_MS): others wait for its value instead. */
    cacheLease: (key: string) => `${ns}:cache-lease:${key}`,
    /** A ranked search window (later pages, click joins): SEARCH_WINDOW_TTL_S. */
    searchWindow: (queryId: string) => `${ns}:search-window:${queryId}`,
    /** A built feed's order (its later pages): FEED_ORDER_TTL_S. */
    feed: (feedId: string) => `${ns}:feed:${feedId}`,
    /**
     * Rate-limit counters (query-api/src/plugins/rate-limit-store.ts): `nameSpace` + bucket + `:` + the
     * window's number (ms since the epoch / window length), one per caller (service key name) or client
     * address and window, each expiring two windows after its last sync.
     */
    rateLimit: {
      nameSpace: `${ns}:rate-limit:`,
      /** The bucket of a service key (all keys of one name share it: a rotation does not double the limit). */
      forKey: (name: string) => `key:${name}`,
      forAddress: (ip: string) => `ip:${ip}`,
    },
  };
}

/** The shape of redisKeys' answer. */
export type RedisKeys = Readonly<ReturnType<typeof buildRedisKeys>>;

/**
 * The changes queue and its dead-letter queue, as every producer and worker names them. BullMQ keeps
 * each under `<prefix>:<queue>:…` (e.g. `mkt:listing-changes:wait`, the list KEDA scales on). The changes
 * queue is bounded by the producer's removeOnComplete (an hour, 10,000 jobs); failed jobs and dead
 * letters stay until an operator replays or removes them (indexer CLI `dlq`).
 */
export function queueNames(config: Pick<Config, 'queue' | 'redis'>) {
  return {
    changes: config.queue.name,
    deadLetters: `${config.queue.name}-dlq`,
    /** BullMQ's `prefix` option: the namespace. */
    prefix: config.redis.namespace,
  };
}

/** The neighbour key names after `<namespace>:`, shared with the job's Lua (indexer/src/neighbours/scripts.ts). */
export const NEIGHBOUR_KEY_NAMES = {
  list: 'nb',
  popularity: 'nb-pop',
  history: 'nb-hist',
  gone: 'nb-gone',
  highWater: 'nb-hwm',
  lease: 'nb-lease',
} as const;

/** Neighbours kept per listing (a list grows to twice this between trims). */
export const NEIGHBOURS_KEPT = 50;
export const NEIGHBOURS_TTL_S = 90 * 24 * 3600;
/** Engagements per user that a new one pairs with (cost per event is twice this in ZINCRBYs). */
export const HISTORY_LENGTH = 20;
export const HISTORY_TTL_S = 30 * 24 * 3600;
/**
 * A gone listing is remembered this long (events about it arriving later are dropped). A week: late
 * views of a sold listing's page fade within days, and ~225k listings leave a day (~60 B each here).
 */
export const NEIGHBOUR_GONE_MEMORY_MS = 7 * 86_400_000;
/** Single applier: the lease is held by one process, renewed on every loop, taken over after it lapses. */
export const NEIGHBOUR_LEASE_MS = 15_000;
/** Popularity entries decayed below this (about 7 half-lives after a single like) are pruned. */
export const POPULARITY_FLOOR = 0.01;

/**
 * Hard bounds of every per-user structure (docs/operations.md, "Redis memory budget", computes the
 * memory at 10M users from them): lists are trimmed on write, purchases keep the newest, affinities
 * keep the strongest fields.
 */
export const PROFILE_BOUNDS = {
  recent: 50,
  queries: 20,
  prices: 30,
  purchases: 100,
  // 160, was 120: colour and size within category (the learned feed ranker's inputs) share the hash since.
  affinityFields: 160,
  liked: 100,
} as const;
export const PROFILE_TTL_S = 90 * 24 * 3600;

/** Search windows serve later pages and click joins; a cursor older than this says "start again". */
export const SEARCH_WINDOW_TTL_S = 900;
/** A feed's order serves its later pages this long; a cursor older than this says "reload the feed". */
export const FEED_ORDER_TTL_S = 900;
