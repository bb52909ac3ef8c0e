/**
 * What one similar-items list and one feed cost, in CPU rather than in tail latency (which on a shared
 * 2-core machine swings with everything else running): the API's and Elasticsearch's CPU per request,
 * four requests in flight. Similar items: lists never asked before (cold: the whole candidate search),
 * then the same lists again (hot: the result cache). Feeds: `--users` people each view 9 listings and
 * like 5 (one POST /v1/events each), then their first feed (a fresh build) and the same feed again.
 *
 *   npx tsx bench/recs-cost.ts [--listings 1000000] [--requests 1500] [--users 300] [--seed 1] [--root DIR] [-- NODE_FLAG ...]
 *   FEED_RANKER=learned npx tsx bench/recs-cost.ts ...   (the API inherits the environment: the learned feed ranker)
 *
 * A third similar pass asks lists never asked before whose content candidates were stored first (as the
 * indexer's content step stores them for every new listing): the cost of a first list with a record.
 * Last, what bench/recommendations.ts's window with listing pages asks: each person opens a listing page
 * (its similar items, then the view event), then their feed (the cached build with the page merged in); and
 * what its windows with profile changes ask: a click, then their feed, rebuilt.
 *
 * Needs the index `bench/recommendations.ts --keep` leaves (alias bench-recs-<listings>). `--root` runs
 * the API of another checkout (a worktree of an older commit) against the same index, to compare code.
 * Elasticsearch's CPU is its node's (scripts/elasticsearch.sh pid): run it with nothing else querying Elasticsearch.
 */
import { loadConfig, seededRandom } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import {
  apiRootArg,
  arg,
  BENCH_KEY_HEADERS,
  log,
  nodeFlagsArg,
  processCpuMs,
  recordContentCandidates,
  round,
  servicePid,
  startProcess,
  stopProcess,
  summarizeLatencies,
  uniqueSuffix,
  waitForHttp,
} from './support.js';
import { cleanupRedis } from '../test/support/services.js';

const listings = arg('listings', 1_000_000);
const requests = arg('requests', 1500);
const seed = arg('seed', 1);
const users = arg('users', 300);
const apiRoot = apiRootArg();
const nodeFlags = nodeFlagsArg();
const CONCURRENCY = 4;

const env = {
  ES_INDEX_ALIAS: `bench-recs-${listings}`,
  REDIS_NAMESPACE: `bsimc${uniqueSuffix()}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
};
const config = loadConfig({ ...process.env, ...env });
const esClient = createElasticsearchClient(config.elasticsearch);
const found = await esClient.indices.existsAlias({ name: env.ES_INDEX_ALIAS });
if (!found) {
  log(`no index ${env.ES_INDEX_ALIAS}: run npx tsx bench/recommendations.ts --listings ${listings} --keep first`);
  process.exit(3);
}
const esPid = servicePid('scripts/elasticsearch.sh');
const redisPid = servicePid('scripts/redis.sh');

// Ids drawn from a seeded generator, so two checkouts can be given the same or different lists. (It was
// an LCG in floating point, which lost precision: seed 9 cycled through 280 ids, so its "cold" lists were hits.)
const next = seededRandom(seed);
const draw = (n: number) => Array.from({ length: n }, () => `g-31-${Math.floor(next() * listings)}`);

const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const api = startProcess('query-api/src/main.ts', { ...env, PORT: String(port) }, [], nodeFlags, apiRoot);

/** A request of a pass: a path to GET, or a path and the JSON body to POST to it. */
type PassRequest = string | { path: string; body: unknown };

async function pass(requests: PassRequest[]) {
  const [api0, es0, redis0, t0] = [
    processCpuMs(api.pid!),
    processCpuMs(esPid),
    processCpuMs(redisPid),
    performance.now(),
  ];
  const latencies: number[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (i < requests.length) {
        const req = requests[i++]!;
        const path = typeof req === 'string' ? req : req.path;
        const init =
          typeof req === 'string'
            ? { headers: BENCH_KEY_HEADERS }
            : {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...BENCH_KEY_HEADERS },
                body: JSON.stringify(req.body),
              };
        const started = performance.now();
        const res = await fetch(`${base}${path}`, init);
        if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
      }
    }),
  );
  const n = requests.length;
  return {
    requests: n,
    api_cpu_ms_per_request: round((processCpuMs(api.pid!) - api0) / n, 3),
    elasticsearch_cpu_ms_per_request: round((processCpuMs(esPid) - es0) / n, 3),
    redis_cpu_ms_per_request: round((processCpuMs(redisPid) - redis0) / n, 3),
    wall_ms_per_request: round((performance.now() - t0) / n, 3),
    latency_ms: summarizeLatencies(latencies),
  };
}

/** A person's history: a view of each listing and a like of the first five, a minute apart, an hour ago. */
async function postEvents(user: string, listingIds: string[]) {
  const start = Date.now() - 3_600_000;
  const events = listingIds.flatMap((listing_id, i) => {
    const ts = (ms: number) => new Date(start + i * 60_000 + ms).toISOString();
    return [
      { user_id: user, type: 'view', listing_id, ts: ts(0) },
      ...(i < 5 ? [{ user_id: user, type: 'like', listing_id, ts: ts(1000) }] : []),
    ];
  });
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...BENCH_KEY_HEADERS },
    body: JSON.stringify({ events }),
  });
  if (res.status !== 202) throw new Error(`events rejected: ${res.status} ${await res.text()}`);
}

try {
  await waitForHttp(`${base}/health/ready`);
  const similar = (ids: string[]) => ids.map((id) => `/v1/listings/${id}/similar?size=12`);
  await pass(similar(draw(300))); // JIT, connections, the shared popular-by-size and by-brand lists
  const ids = similar(draw(requests));
  const cold = await pass(ids);
  const hot = await pass(ids);
  // Lists never asked before whose content candidates the indexer's content step had stored.
  const recordedIds = draw(requests);
  await recordContentCandidates(esClient, env.ES_INDEX_ALIAS, config.redis, new Set(recordedIds), 31, listings);
  const coldFromRecords = await pass(similar(recordedIds));
  const people = Array.from({ length: users }, (_, u) => `cost-${seed}-${u}`);
  for (const user of people) await postEvents(user, draw(9));
  const feeds = people.map((user) => `/v1/feed?user_id=${user}&size=20`);
  const freshFeeds = await pass(feeds);
  const cachedFeeds = await pass(feeds);
  // As the latency bench's window with listing pages: a person opens a listing page (its similar items,
  // never asked before, then the view event), and their next feed is their cached build with the page
  // merged in (page-merges.ts). Then as its windows with profile changes: a click, and a full build.
  const opened = people.map(() => draw(1)[0]!);
  const pages = await pass(similar(opened));
  const engaged = (type: 'view' | 'click') =>
    people.map((user, u) => ({
      path: '/v1/events',
      body: {
        events: [{ user_id: user, type, listing_id: opened[u], ts: new Date(Date.now() + u).toISOString() }],
      },
    }));
  const viewEvents = await pass(engaged('view'));
  const afterViews = await pass(feeds);
  const clickEvents = await pass(engaged('click'));
  const rebuilds = await pass(feeds);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'recs-cost',
        api_root: apiRoot,
        feed_ranker: process.env.FEED_RANKER ?? 'default',
        listings,
        seed,
        concurrency: CONCURRENCY,
        similar: { cold, hot, cold_from_content_records: coldFromRecords },
        feed: {
          fresh_build: freshFeeds,
          cached: cachedFeeds,
          listing_page: pages,
          view_event: viewEvents,
          merge_after_view: afterViews,
          click_event: clickEvents,
          rebuild_after_click: rebuilds,
        },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await stopProcess(api);
  await cleanupRedis(config); // this run's namespace
  await esClient.close();
}
