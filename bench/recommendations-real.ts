/**
 * Recommendations on real second-hand data (issue 18), measured through the running API.
 *
 *   npx tsx bench/recommendations-real.ts [--data /work/shared/data/thredup] [--concurrency 4] [--tune] [--keep]
 *
 * Starts the indexer (which runs the co-engagement neighbour job) and the query API on their own index
 * and key prefix, loads the 3,000 thredUp listings through POST /v1/listings/changes, replays every
 * favorite but each 2+-favorite user's last one (items.jsonl order) as `like` events through POST
 * /v1/events, then sends the listings' like counts as listing updates (the marketplace's own counter,
 * replayed likes only), waits until the neighbour job has applied the whole stream and the index has
 * the counts, and asks the API, for every 2+-favorite user, for their feed and for items similar to
 * their last remaining favorite. Prints JSON: hit-rate@20 and NDCG@20 of both, beside popularity and
 * co-favorite baselines computed in the same run from the same replayed likes, for the tuning half of
 * the users (weights may be chosen on it), the evaluation half (report this), and all.
 *
 * --tune measures several blend-weight variants (RECS_WEIGHTS, one API process each, caches cleared
 * between them) on the same loaded data, picks the best feed and the best similar variant on the
 * tuning half only, and reports every variant's tuning-half numbers and the picks' evaluation-half numbers.
 *
 * --rankers blend,learned,learned-oof[:name] measures the feed under each FEED_RANKER (one API process each, caches cleared
 * between them) on the same loaded data and prints both halves for each; the default is decided on the
 * tuning half. --export-feed FILE writes the learned ranker's training rows (tuning half only, computed by
 * the serving code: bench/feed-training-export.ts) after loading; --export-only stops there.
 */
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, redisKeys } from '../core/src/index.js';
import { arg, log, root, round, startProcess, stopProcess, uniqueSuffix, waitForHttp } from './support.js';
import { exportFeedTraining } from './feed-training-export.js';
import { baselines, cvFold, loadThredup, score, toListing, userSplit } from './thredup-data.js';
import { cleanupRedis, unlinkMatching } from '../test/support/services.js';

const dataDir = process.argv.includes('--data')
  ? process.argv[process.argv.indexOf('--data') + 1]!
  : resolve(root, '../shared/data/thredup');
const concurrency = arg('concurrency', 4);
const option = (name: string) =>
  process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined;
const exportFeed = option('export-feed');
const rankers = option('rankers')?.split(',');
// learned-oof:<name> measures the out-of-fold models of `train_feed.py --name <name> --fold-models ...`
// (.data/cv-models/<name>-cv), e.g. a variant trained with --drop-features; plain learned-oof is feed-ltr's.
const OOF = /^learned-oof(?::([a-z0-9-]+))?$/;
for (const r of rankers ?? [])
  if (!['blend', 'learned'].includes(r) && !OOF.test(r)) throw new Error(`--rankers: unknown ranker ${r}`);
const CV_FOLDS = 5;
const K = 20;
const split = loadThredup(dataDir);
if (!split) {
  log(`no thredUp data at ${dataDir}: nothing to measure`);
  process.exit(2);
}
const id = uniqueSuffix();
const key = 'bench-ingest-key';
const appKey = 'bench-app-key';
const env = {
  ES_INDEX_ALIAS: `bench-thredup-${id}`,
  QUEUE_NAME: `bench-thredup-${id}`,
  REDIS_NAMESPACE: `bthr${id}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
  INGEST_API_KEYS: key,
  API_KEYS: `bench:events+users:${appKey},ops:operator:bench-operator-key`,
  INDEXER_METRICS_PORT: String(20_000 + Math.floor(Math.random() * 1000)),
};
const config = loadConfig({ ...process.env, ...env });
const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const headers = { 'content-type': 'application/json', 'x-api-key': appKey };
const redis = new Redis(config.redis.url);
// Where the API keeps its cache (CACHE_REDIS_URL, when the environment sets it).
const cacheRedis = config.redis.cacheUrl === config.redis.url ? redis : new Redis(config.redis.cacheUrl);

/** One API call; a 503 (Elasticsearch timing out on the shared 2 cores) is retried a few times with backoff. */
async function call(path: string, init: RequestInit = {}): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
    if (res.ok) return res.json();
    const body = await res.text();
    if (res.status !== 503 || attempt >= 5) throw new Error(`${path}: ${res.status} ${body}`);
    retries++;
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}
let retries = 0;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Publishes every listing at `version`; returns the time their creation dates were computed from. */
async function publish(likes: Map<string, number>, version: number): Promise<number> {
  const now = Date.now();
  const events = split!.items.map((it) => {
    const lid = split!.listingId.get(it.id)!;
    return {
      op: 'upsert',
      listing_id: lid,
      version,
      listing: toListing(it, lid, likes.get(lid) ?? 0, now),
      emitted_at: new Date().toISOString(),
    };
  });
  for (let i = 0; i < events.length; i += 500) {
    await call('/v1/listings/changes', {
      method: 'POST',
      body: JSON.stringify({ events: events.slice(i, i + 500) }),
      headers: { 'x-api-key': key },
    });
  }
  return now;
}

type Row = {
  group: 'tuning' | 'evaluation';
  feed: Hit;
  similar: Hit;
  pop: Hit;
  coFeed: Hit;
  popSimilar: Hit;
  coSimilar: Hit;
  sources: string[];
};
type Hit = { hit: number; ndcg: number };
type Summary = ReturnType<typeof summarise>;

/**
 * Weight variants tried by --tune (RECS_WEIGHTS syntax); `defaults` is what the service ships. The shipped
 * weights are chosen offline (recs_offline.py, cross-validation on the tuning half); these check the
 * choice through the API, on the tuning half only.
 */
const PREVIOUS =
  'feed.size_in_department=0,feed.brand=1,feed.department=0.1,feed.category=0.25,feed.liked_together=0.5,feed.popularity=0.5,feed.price_fit=0.1';
const VARIANTS: Record<string, string> = {
  defaults: '',
  previous_weights: PREVIOUS,
  previous_plus_size_in_department: `${PREVIOUS.replace('feed.size_in_department=0', 'feed.size_in_department=0.5')}`,
  brand_1: 'feed.brand=1',
  popularity_0_5: 'feed.popularity=0.5',
};

function summarise(rs: Row[]) {
  const mean = (f: (r: Row) => number) => round((100 * rs.reduce((s, r) => s + f(r), 0)) / Math.max(1, rs.length), 2);
  // Standard error of a hit rate over these users: sqrt(p (1 - p) / n).
  const se = (p: number) => round(100 * Math.sqrt(((p / 100) * (1 - p / 100)) / Math.max(1, rs.length)), 2);
  const pair = (k: 'feed' | 'similar' | 'pop' | 'coFeed' | 'popSimilar' | 'coSimilar') => {
    const hit = mean((r) => r[k].hit);
    return { hit_rate_pct: hit, se_pct: se(hit), ndcg_pct: mean((r) => r[k].ndcg) };
  };
  const hitSources: Record<string, number> = {};
  for (const r of rs) for (const s of r.sources) hitSources[s] = (hitSources[s] ?? 0) + 1;
  return {
    users: rs.length,
    feed: { api: pair('feed'), popularity: pair('pop'), co_favorite: pair('coFeed'), feed_hits_by_source: hitSources },
    similar_of_last_liked: { api: pair('similar'), popularity: pair('popSimilar'), co_favorite: pair('coSimilar') },
  };
}

/** Drops the API's cached feeds and similar lists (our namespace only), so a variant computes its own. */
async function clearCaches(): Promise<void> {
  const k = redisKeys(config.redis.namespace);
  for (const pattern of [k.cacheEntry('*'), k.cacheByListing('*'), k.feed('*')])
    await unlinkMatching(cacheRedis, pattern);
}

/**
 * Asks a fresh API process (these weights, empty caches) for every 2+-favorite user's feed and for
 * items similar to their last remaining favorite; scores them and the baselines per user half.
 */
async function measure(
  weights: string,
  apiEnv: Record<string, string> = {},
  only: (user: string) => boolean = () => true,
): Promise<{ tuning: Summary; evaluation: Summary; all: Summary; ranker: string; rows: Row[] }> {
  await clearCaches();
  api = startProcess('query-api/src/main.ts', { ...env, PORT: String(port), RECS_WEIGHTS: weights, ...apiEnv });
  await waitForHttp(`${base}/health/ready`, 120_000);
  const base0 = baselines(split!);
  const split1 = split!;
  const rows: Row[] = [];
  const servedBy = new Set<string>();
  const users = [...split1.hidden.keys()].filter(only);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++]!;
      const target = split1.hidden.get(user)!;
      const known = split1.train.get(user)!;
      const last = known[known.length - 1]!;
      const feed = (await call(`/v1/feed?user_id=${encodeURIComponent(user)}&size=${K}`)) as {
        items: Array<{ id: string; source: string }>;
        ranker?: string;
      };
      servedBy.add(feed.ranker ?? 'unknown');
      const similar = (await call(`/v1/listings/${last}/similar?size=${K}`)) as { items: Array<{ id: string }> };
      const fi = feed.items.map((i) => i.id);
      const at = fi.indexOf(target);
      rows.push({
        group: userSplit(user),
        feed: score(fi, target, K),
        similar: score(
          similar.items.map((i) => i.id),
          target,
          K,
        ),
        pop: score(base0.popularity(new Set(known), K), target, K),
        coFeed: score(base0.coFavorite(known, new Set(known), K), target, K),
        popSimilar: score(base0.popularity(new Set([last]), K), target, K),
        coSimilar: score(base0.coFavorite([last], new Set([last]), K), target, K),
        sources: at >= 0 ? [feed.items[at]!.source.split(':')[0]!] : [],
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  await stopProcess(api);
  return {
    tuning: summarise(rows.filter((r) => r.group === 'tuning')),
    evaluation: summarise(rows.filter((r) => r.group === 'evaluation')),
    all: summarise(rows),
    ranker: [...servedBy].join(','),
    rows,
  };
}

/**
 * --rankers: the feed under each ranker, both halves each. `learned` serves the shipped model, which was
 * trained on the tuning half: its tuning-half figure is in-sample and decides nothing. `learned-oof` is the
 * honest tuning-half figure: the API runs once per fold of the tuning users (fold_of of seed 0, as
 * models/pipeline/train_feed.py), each time with the model fitted without that fold
 * (train_feed.py --fold-models, .data/cv-models), and is asked only for that fold's users; `learned-oof:<name>`
 * does the same with the fold models of `train_feed.py --name <name>` (an ablation, say).
 */
async function compareRankers(names: string[]): Promise<void> {
  const byRanker: Record<string, unknown> = {};
  for (const r of names) {
    const oof = OOF.exec(r);
    if (oof) {
      const rows: Row[] = [];
      const servedBy: string[] = [];
      for (let k = 0; k < CV_FOLDS; k++) {
        const m = await measure(
          '',
          {
            FEED_RANKER: 'learned',
            MODEL_DIR: resolve(root, '.data/cv-models'),
            FEED_MODEL_NAME: `${oof[1] ?? 'feed-ltr'}-cv`,
            FEED_MODEL_VERSION: `fold-${k}`,
          },
          (u) => userSplit(u) === 'tuning' && cvFold(u, 0, CV_FOLDS) === k,
        );
        rows.push(...m.rows);
        servedBy.push(m.ranker);
      }
      const tuning = summarise(rows);
      log(`${r} (served by ${servedBy.join(' ')}): tuning feed ${tuning.feed.api.hit_rate_pct} %`);
      byRanker[r] = { served_by: servedBy, tuning };
      continue;
    }
    const m = await measure('', { FEED_RANKER: r });
    log(`${r} (served by ${m.ranker}): tuning feed ${m.tuning.feed.api.hit_rate_pct} %`);
    byRanker[r] = { served_by: m.ranker, tuning: m.tuning, evaluation: m.evaluation };
  }
  console.log(
    JSON.stringify({ benchmark: 'recommendations-real', k: K, retried_503: retries, rankers: byRanker }, null, 1),
  );
}

/** The default run (shipped weights) or --tune's weight variants, picked on the tuning half. */
async function compareWeights(replayedLikes: number): Promise<void> {
  const pick = (variants: Array<{ name: string; tuning: Summary; evaluation: Summary }>, f: (x: Summary) => number) =>
    variants.reduce((best, v) => (f(v.tuning) > f(best.tuning) ? v : best));
  const variants: Array<{ name: string; tuning: Summary; evaluation: Summary; all: Summary }> = [];
  for (const [name, weights] of Object.entries(process.argv.includes('--tune') ? VARIANTS : { defaults: '' })) {
    const m = await measure(weights);
    variants.push({ name, ...m });
    log(
      `${name}: tuning feed ${m.tuning.feed.api.hit_rate_pct} %, similar ${m.tuning.similar_of_last_liked.api.hit_rate_pct} %`,
    );
    // The shipped feed model was trained on the tuning half: its tuning figure there is in-sample.
    if (m.ranker.includes('onnx:'))
      log(
        `the feed was ordered by ${m.ranker}: its tuning-half figure is in-sample; --rankers learned-oof measures it there`,
      );
  }
  const feedPick = pick(variants, (x) => x.feed.api.hit_rate_pct);
  const similarPick = pick(variants, (x) => x.similar_of_last_liked.api.hit_rate_pct);
  console.log(
    JSON.stringify(
      {
        benchmark: 'recommendations-real',
        data: 'thredUp dev favorites',
        k: K,
        retried_503: retries,
        listings: split!.items.length,
        replayed_likes: replayedLikes,
        picked_on_tuning_half: { feed: feedPick.name, similar: similarPick.name },
        evaluation: {
          users: feedPick.evaluation.users,
          feed: feedPick.evaluation.feed,
          similar_of_last_liked: similarPick.evaluation.similar_of_last_liked,
        },
        ...(variants.length > 1
          ? {
              variants_on_tuning_half: Object.fromEntries(
                variants.map((v) => [
                  v.name,
                  { weights: VARIANTS[v.name], feed: v.tuning.feed.api, similar: v.tuning.similar_of_last_liked.api },
                ]),
              ),
            }
          : { tuning: variants[0]!.tuning, all: variants[0]!.all }),
      },
      null,
      1,
    ),
  );
}

const indexer = startProcess('indexer/src/main.ts', env);
let api = startProcess('query-api/src/main.ts', { ...env, PORT: String(port) });
const alias = config.elasticsearch.alias;
const esCount = async (q: unknown) => {
  const res = await fetch(`${config.elasticsearch.url}/${alias}/_count`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: q }),
  });
  return res.ok ? ((await res.json()) as { count: number }).count : -1;
};
try {
  await waitForHttp(`${base}/health/ready`, 120_000);
  const base0 = baselines(split);
  await publish(new Map(), 1);
  await until('the listings indexed', async () => (await esCount({ match_all: {} })) === split.items.length);
  log(`indexed ${split.items.length} listings`);

  // Replay: each user's favorites in file order, users interleaved in batches as a live stream would be.
  const started = Date.now() - 3600_000;
  const events = [...split.train].flatMap(([user, list]) =>
    list.map((lid, i) => ({
      user_id: user,
      type: 'like',
      listing_id: lid,
      ts: new Date(started + i * 1000).toISOString(),
    })),
  );
  for (let i = 0; i < events.length; i += 500)
    await call('/v1/events', { method: 'POST', body: JSON.stringify({ events: events.slice(i, i + 500) }) });
  const stream = redisKeys(config.redis.namespace).interactions;
  const lastId = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0];
  const t0 = Date.now();
  const highWater = redisKeys(config.redis.namespace).neighbours.highWater;
  await until('the neighbour job to apply the stream', async () => (await redis.get(highWater)) === lastId);
  log(`replayed ${events.length} likes; neighbour job caught up ${Date.now() - t0} ms after the last batch`);
  const publishedAt = await publish(base0.likes, 2);
  const liked = [...base0.likes.values()].filter((n) => n > 0).length;
  await until('the like counts indexed', async () => (await esCount({ range: { like_count: { gt: 0 } } })) === liked);

  await stopProcess(api);
  if (exportFeed) {
    const t1 = Date.now();
    const done = await exportFeedTraining(config, split, resolve(exportFeed), new Date(publishedAt));
    log(
      `exported feed training rows of ${done.users} tuning users (${done.inPool} with the favorite among the candidates) to ${exportFeed} in ${Date.now() - t1} ms`,
    );
  }
  if (process.argv.includes('--export-only')) log('--export-only: nothing measured');
  else if (rankers) await compareRankers(rankers);
  else await compareWeights(events.length);
} finally {
  await Promise.allSettled([stopProcess(api), stopProcess(indexer)]);
  if (!process.argv.includes('--keep')) {
    await fetch(`${config.elasticsearch.url}/${alias}-*`, { method: 'DELETE' }).catch(() => undefined);
    await cleanupRedis(config); // this run's namespace, in both Redis
  }
  for (const client of new Set([redis, cacheRedis])) client.disconnect();
}
