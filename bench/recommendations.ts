/**
 * Recommendations benchmark: offline quality on simulated users with hidden tastes, and latency of the
 * feed and similar-items endpoints under load.
 *
 *   npx tsx bench/recommendations.ts [--listings 1000000] [--users 200] [--rate 500] [--seconds 10] [--arrivals 26] [--keep] [--no-content-records] [--one-redis] [--root DIR] [--built] [--pin] [--replicas 1] [-- NODE_FLAG ...]
 *
 * The API runs as deployed: the Deployment's Node flags (NODE_OPTIONS, k8s/base/query-api.yaml) unless
 * flags follow a bare `--` (a bare `--` alone: Node's defaults), and a cache Redis of its own
 * (CACHE_REDIS_URL, started on :6380 when none answers) unless --one-redis puts the cache in the queue
 * Redis as runs before 2026-12-04 did. --built runs the compiled build the image runs instead of the
 * sources through tsx (support.ts, apiEntry). --replicas N runs N API processes, as the Deployment runs at least
 * two pods (k8s/base/query-api-hpa.yaml), and sends the windows' requests to them in turn (a person's
 * requests land on any of them, as behind a Service); the setup and the quality pass use the first.
 *
 * --keep leaves the loaded index (alias bench-recs-<listings>) in place, and a later run with the same
 * --listings reuses it instead of loading again (for iterating on the query path). --root runs the API of
 * another checkout (a worktree of an older commit) on the same index, to compare code.
 *
 * Each simulated user prefers one leaf category and one brand of it. They view and like items drawn
 * from that taste (popular items more likely); their last likes are held out. We report, over users:
 * hit-rate@20 (a held-out item appears in the top 20) and taste precision@20 (share of the top 20 in the
 * hidden category) for the feed, for similar items of the user's last seen item, and for the popularity
 * baseline (the most popular on-sale listings, the same for everyone).
 *
 * Latency, with the open-loop generator at --rate: feeds of the simulated users (built by the quality
 * pass), feeds right after each user's profile changed (every request a fresh build, at a fifth of the
 * rate), feeds mixed with profile changes (clicks), the same with listing pages (similar items, then the
 * view event, which bumps no profile version: the cached build is served with the page merged in), and
 * similar items of listings drawn with a long tail, in two windows: from an empty cache, then the same
 * stream continued (steady state). One more feed window runs while new listings arrive at
 * --arrivals a second (default 26: ten times the 225k a day, written as the indexer writes them: a bulk,
 * then its change notification), so cached feeds merge the listings that reach the fresh list (issue 20);
 * the listings are deleted afterwards, so a kept index stays as loaded.
 */
import { Redis } from 'ioredis';
import { loadConfig, seededRandom, toListingDocument, type Listing } from '../core/src/index.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { notifyListingsChanged } from '../core/src/pipeline/change-notifications.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { generateListing } from '../indexer/src/sources/generator.js';
import { cleanupRedis } from '../test/support/services.js';
import { openLoop, type LoadRequest } from './open-loop.js';
import {
  apiEntry,
  apiRootArg,
  arg,
  BENCH_KEY_HEADERS,
  log,
  deployedNodeFlags,
  nodeFlagsArg,
  pinBesideApi,
  pinToCores,
  recordContentCandidates,
  round,
  servicePid,
  startCacheRedis,
  startProcess,
  stopProcess,
  uniqueSuffix,
  waitForHttp,
  settle,
  withBackgroundWork,
} from './support.js';

type Settled = Awaited<ReturnType<typeof settle>>;

const listings = arg('listings', 1_000_000);
const users = arg('users', 200);
const rate = arg('rate', 500);
const seconds = arg('seconds', 10);
const keep = process.argv.includes('--keep');
const contentRecords = !process.argv.includes('--no-content-records');
const arrivals = arg('arrivals', 26);
const id = uniqueSuffix();
const nodeFlags = process.argv.includes('--') ? nodeFlagsArg() : deployedNodeFlags();
const cacheRedisUrl = process.argv.includes('--one-redis') ? undefined : startCacheRedis();
const env = {
  ES_INDEX_ALIAS: keep ? `bench-recs-${listings}` : `bench-recs-${id}`,
  REDIS_NAMESPACE: `brecs${id}`,
  LOG_LEVEL: 'warn',
  FEATURE_LOG_ENABLED: 'false',
  ...(cacheRedisUrl ? { CACHE_REDIS_URL: cacheRedisUrl } : {}),
};
const config = loadConfig({ ...process.env, ...env });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 120_000 });
const alias = config.elasticsearch.alias;
const port = 19_000 + Math.floor(Math.random() * 1000);
const replicas = arg('replicas', 1);
const bases = Array.from({ length: replicas }, (_, k) => `http://127.0.0.1:${port + k}`);
const base = bases[0]!;
const pin = process.argv.includes('--pin');
// One API on a core of its own: with replicas there is no such core.
if (pin && replicas > 1) throw new Error('--pin runs one API: it cannot be combined with --replicas');

// Load the catalog and index it by taste (leaf + brand), on sale only.
const reuse =
  keep && (await es.indices.existsAlias({ name: alias })) && (await es.count({ index: alias })).count === listings;
if (!reuse) await ensureListingsIndex(es, config.elasticsearch);
await es.indices.putSettings({ index: alias, settings: { refresh_interval: '-1' } });
/**
 * What the simulated users need of a listing of their taste. Only this is kept: whole listings of a 1M
 * catalog made this process's heap 595-650 MB, and runs with it had windows where the load generator
 * took half a core, which an open loop counts as the API's latency (docs/benchmarks.md, "Two Redis").
 */
type TasteItem = Pick<Listing, 'id' | 'view_count'>;
const byTaste = new Map<string, TasteItem[]>();
for (let i = 0; i < listings; i += 5000) {
  const ops: unknown[] = [];
  for (let k = i; k < Math.min(listings, i + 5000); k++) {
    const l = generateListing(k, 31);
    if (!reuse) ops.push({ index: { _index: alias, _id: l.id } }, toListingDocument(l, 1, l.updated_at));
    if (l.status === 'on_sale' && l.brand) {
      const key = `${l.category_path.join(' > ')}|${l.brand}`;
      if (!byTaste.has(key)) byTaste.set(key, []);
      byTaste.get(key)!.push({ id: l.id, view_count: l.view_count });
    }
  }
  if (!reuse) await es.bulk({ operations: ops });
}
await es.indices.putSettings({ index: alias, settings: { refresh_interval: '1s' } });
await es.indices.refresh({ index: alias });
log(`${reuse ? 'reused' : 'loaded'} ${listings} listings`);

/** The API's counters (metric lines starting with each of `lines`), summed over its lines and its replicas. */
async function apiCounters(lines: string[]): Promise<number[]> {
  const texts = await Promise.all(
    bases.map(async (b) => (await fetch(`${b}/metrics`, { headers: BENCH_KEY_HEADERS })).text()),
  );
  return lines.map((prefix) =>
    texts
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.startsWith(prefix))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0),
  );
}

const lateIds: string[] = [];
/**
 * Runs `window` while new listings are written every 100 ms (bulk, then the change notification, as the
 * indexer does); returns its result with how many cached first pages merged late listings meanwhile.
 */
async function feedWhileListingsArrive<T extends object>(window: (settled: Settled) => Promise<T>) {
  // Settled before the listings start arriving: they are this window's own work.
  const settled = await settle();
  const notifier = new Redis(config.redis.url);
  // Cached first pages checked against late listings, by outcome (api_feed_late_fresh_total).
  const checks = async () => {
    const [merged, unchanged] = await apiCounters([
      'api_feed_late_fresh_total{outcome="merged"}',
      'api_feed_late_fresh_total{outcome="unchanged"}',
    ]);
    return { merged: merged!, unchanged: unchanged! };
  };
  const checksBefore = await checks();
  let carry = 0;
  // The batches still being written: the notifier waits for them before it closes.
  const writing = new Set<Promise<unknown>>();
  const tick = setInterval(() => {
    carry += arrivals / 10;
    const n = Math.floor(carry);
    carry -= n;
    if (n === 0) return;
    const now = new Date().toISOString();
    const docs = Array.from({ length: n }, () => {
      const l = generateListing(listings + lateIds.length, 31);
      const listing = {
        ...l,
        id: `late-${id}-${lateIds.length}`,
        // New: nobody has seen or liked it yet.
        like_count: 0,
        view_count: 0,
        status: 'on_sale' as const,
        created_at: now,
        updated_at: now,
      };
      lateIds.push(listing.id);
      return toListingDocument(listing, 1, now);
    });
    const batch = es
      .bulk({ operations: docs.flatMap((d) => [{ index: { _index: alias, _id: d.id } }, d]) })
      .then(() =>
        notifyListingsChanged(
          notifier,
          config.redis.namespace,
          docs.map((d) => d.id),
        ),
      )
      .catch((err: Error) => log(`late listings: ${err.message}`))
      .finally(() => writing.delete(batch));
    writing.add(batch);
  }, 100);
  try {
    const result = await window(settled);
    const after = await checks();
    const late_fresh = {
      merged: after.merged - checksBefore.merged,
      unchanged: after.unchanged - checksBefore.unchanged,
    };
    return { ...result, new_listings: lateIds.length, late_fresh };
  } finally {
    clearInterval(tick);
    await Promise.all(writing);
    notifier.disconnect();
  }
}

const { entry, build } = apiEntry(apiRootArg());
const apis = bases.map((_, k) => startProcess(entry, { ...env, PORT: String(port + k) }, [], nodeFlags, apiRootArg()));
const api = apis[0]!;
// Redis's INFO and the processes' CPU, for what ran beside each window (withBackgroundWork).
const stats = new Redis(config.redis.url);
const services: Record<string, number> = {
  elasticsearch: servicePid('scripts/elasticsearch.sh'),
  redis: servicePid('scripts/redis.sh'),
  ...(cacheRedisUrl ? { cache_redis: servicePid('scripts/redis.sh', 'cache') } : {}),
};
const processes = {
  ...Object.fromEntries(apis.map((a, k) => [k === 0 ? 'api' : `api_${k + 1}`, a.pid!])),
  ...services,
};
// `--pin`: the API on core 0, everything else on core 1: a major GC's marking threads then take the API's
// core, not Elasticsearch's.
try {
  for (const b of bases) await waitForHttp(`${b}/health/ready`);
  if (pin) {
    pinBesideApi(Object.values(services));
    pinToCores(api.pid!, '0');
  }
  const r = seededRandom(9);
  const tastes = [...byTaste.entries()].filter(([, items]) => items.length >= 15);
  // `taste`: the listings of the person's taste, most viewed first, which they browse on (see pageVisit).
  const sim: Array<{ user: string; leaf: string; heldOut: Set<string>; last: string; taste: string[] }> = [];
  for (let u = 0; u < users; u++) {
    const [taste, items] = tastes[Math.floor(r() * tastes.length)]!;
    // Popular items are likelier to be seen and liked (sort by views, draw with a skew).
    const sorted = [...items].sort((a, b) => b.view_count - a.view_count);
    const draws = new Set<TasteItem>();
    while (draws.size < 12) draws.add(sorted[Math.floor(Math.pow(r(), 2) * sorted.length)]!);
    const seq = [...draws];
    const train = seq.slice(0, 9);
    const held = seq.slice(9);
    const user = `sim-${id}-${u}`;
    const ts = Date.now() - 3600_000;
    const events = train.flatMap((l, i) => [
      { user_id: user, type: 'view', listing_id: l.id, ts: new Date(ts + i * 60_000).toISOString() },
      ...(i % 2 === 0
        ? [{ user_id: user, type: 'like', listing_id: l.id, ts: new Date(ts + i * 60_000 + 1000).toISOString() }]
        : []),
    ]);
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...BENCH_KEY_HEADERS },
      body: JSON.stringify({ events }),
    });
    if (res.status !== 202) throw new Error(`events rejected: ${await res.text()}`);
    sim.push({
      user,
      leaf: taste.split('|')[0]!,
      heldOut: new Set(held.map((l) => l.id)),
      last: train.at(-1)!.id,
      taste: sorted.map((l) => l.id),
    });
  }
  // The catalog's taste lists have served: the windows need only the users'. Kept, their million small
  // objects were most of this process's heap, which its major GCs mark on helper threads: the seconds
  // whose generator took 0.4-0.56 core against its usual 0.1-0.3 (docs/benchmarks.md, "The slow seconds").
  byTaste.clear();
  tastes.length = 0;
  const popular = await es.search<{ id: string; category_path: string[] }>({
    index: alias,
    size: 20,
    query: { term: { status: 'on_sale' } },
    sort: [{ popularity: 'desc' }],
    _source: ['id', 'category_path'],
  });
  const popularItems = popular.hits.hits.map((h) => h._source!);

  const score = (items: Array<{ id: string; category_path: string[] }>, s: (typeof sim)[number]) => ({
    hit: items.some((i) => s.heldOut.has(i.id)) ? 1 : 0,
    precision: items.filter((i) => i.category_path.join(' > ') === s.leaf).length / Math.max(1, items.length),
  });
  const totals = {
    feed: { hit: 0, precision: 0 },
    similar: { hit: 0, precision: 0 },
    popularity: { hit: 0, precision: 0 },
  };
  for (const s of sim) {
    const feed = (await (
      await fetch(`${base}/v1/feed?user_id=${s.user}&size=20`, { headers: BENCH_KEY_HEADERS })
    ).json()) as { items: Array<{ id: string; category_path: string[] }> };
    const similar = (await (await fetch(`${base}/v1/listings/${s.last}/similar?size=20`)).json()) as {
      items: Array<{ id: string; category_path: string[] }>;
    };
    for (const [k, items] of [
      ['feed', feed.items],
      ['similar', similar.items],
      ['popularity', popularItems],
    ] as const) {
      const m = score(items, s);
      totals[k].hit += m.hit;
      totals[k].precision += m.precision;
    }
  }
  const offline = Object.fromEntries(
    Object.entries(totals).map(([k, v]) => [
      k,
      { hit_rate_at_20: round(v.hit / sim.length, 3), taste_precision_at_20: round(v.precision / sim.length, 3) },
    ]),
  );
  log(`offline: ${JSON.stringify(offline)}`);

  // Listings read by id (similar lists, events), by result: from memory, joining a read, or read.
  const RECENT_READS = ['hit', 'joined', 'read'] as const;
  // Each window also says how many feeds it built (api_feed_builds_total over the replicas): with several, a
  // person's requests reach any of them, and single flight holds within one.
  // Each window starts on a settled machine (support.ts's settle), unless its caller waited already: what
  // the window before set going is not counted as its cost.
  const background = async <T extends object>(run: () => Promise<T>, settled?: Settled) => {
    const waited = settled ?? (await settle());
    const counted = [
      'api_feed_builds_total{',
      'api_feed_page_merges_total{outcome="merged"}',
      ...RECENT_READS.map((r) => `api_recent_listings_total{result="${r}"}`),
    ];
    const before = await apiCounters(counted);
    const result = await withBackgroundWork(bases, stats, processes, run);
    const [builds, pageMerges, ...reads] = (await apiCounters(counted)).map((n, i) => n - before[i]!);
    return {
      ...result,
      feed_builds: builds!,
      feed_page_merges: pageMerges!,
      listings_read_by_id: Object.fromEntries(RECENT_READS.map((r, i) => [r, reads[i]!])),
      settled: waited,
    };
  };
  const load = (paths: string[], settled?: Settled) =>
    background(() => openLoop({ base: bases, paths, headers: BENCH_KEY_HEADERS, rate, seconds }), settled);
  const pick = (n: number) => Array.from({ length: n }, (_, i) => sim[i % sim.length]!);
  const feedPaths = pick(400).map((s) => `/v1/feed?user_id=${s.user}&size=20`);
  const feedRun = await load(feedPaths);
  const arrivingRun = await feedWhileListingsArrive((settled) => load(feedPaths, settled));
  // A profile change makes the user's next feed a fresh build: one new event each, then every feed once. A
  // click (a listing opened from a search result): a view bumps no profile version (page-merges.ts).
  const clickAgain = (s: (typeof sim)[number]) => ({
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', ...BENCH_KEY_HEADERS },
    body: JSON.stringify({
      events: [{ user_id: s.user, type: 'click', listing_id: s.last, ts: new Date().toISOString() }],
    }),
  });
  for (const s of sim) await fetch(`${base}/v1/events`, clickAgain(s));
  const rebuildRate = Math.max(1, Math.round(rate / 5));
  const feedRebuilds = await background(() =>
    openLoop({
      base: bases,
      paths: sim.map((s) => `/v1/feed?user_id=${s.user}&size=20`),
      headers: BENCH_KEY_HEADERS,
      rate: rebuildRate,
      seconds: sim.length / rebuildRate,
    }),
  );
  /**
   * The app at the full rate in cycles of five requests for one person: `lead(s, cycle, k)` is the cycle's
   * k-th request, or undefined for a feed request of that person.
   */
  const inCycles = (lead: (s: (typeof sim)[number], cycle: number, k: number) => LoadRequest | undefined) =>
    background(() =>
      openLoop({
        base: bases,
        rate,
        seconds,
        request: (i) => {
          const s = sim[Math.floor(i / 5) % sim.length]!;
          const feed = { tag: 'feed', path: `/v1/feed?user_id=${s.user}&size=20`, headers: BENCH_KEY_HEADERS };
          return lead(s, Math.floor(i / 5), i % 5) ?? feed;
        },
      }),
    );
  // A mixed minute of the app: at the full rate, one request in five is an interaction event that
  // changes a user's profile, so that user's next feed is a fresh build; the rest are feed requests.
  const mixed = await inCycles((s, _, k) =>
    k === 0 ? { tag: 'event', path: '/v1/events', ...clickAgain(s) } : undefined,
  );
  // The same with listing pages, as the app sends a view: in cycles of five requests a person opens a
  // listing page of their taste, another each time (its similar items, then the view event), then asks for
  // their feed three times (the first their cached build with the page's similar items merged in,
  // page-merges.ts; until 2026-12-04 a fresh build). Most of these pages' lists are first lists.
  const vr = seededRandom(13);
  const browse = (s: (typeof sim)[number]) => s.taste[Math.floor(Math.pow(vr(), 2) * s.taste.length)]!;
  const pageVisit = (s: (typeof sim)[number], listing: string): [LoadRequest, LoadRequest] => [
    { tag: 'similar', path: `/v1/listings/${listing}/similar?size=12` },
    {
      tag: 'event',
      path: '/v1/events',
      method: 'POST',
      headers: { 'content-type': 'application/json', ...BENCH_KEY_HEADERS },
      body: JSON.stringify({
        events: [{ user_id: s.user, type: 'view', listing_id: listing, ts: new Date().toISOString() }],
      }),
    },
  ];
  const visits: Array<[LoadRequest, LoadRequest]> = [];
  const withPages = await inCycles((s, cycle, k) => {
    if (k === 0) visits[cycle] = pageVisit(s, browse(s));
    return k < 2 ? visits[cycle]![k] : undefined;
  });
  // Listing pages are viewed with a long tail (a few listings get most views): ids drawn Zipf-like.
  // The first window starts from an empty cache (but the shared popular lists, which the API's keeper
  // computes from its start, as it does in production); the second continues the same stream, as a service
  // that has been up for a while sees it (a share of its ids are still new).
  const zr = seededRandom(5);
  const zipfId = () => `g-31-${Math.min(listings - 1, Math.floor(Math.pow(listings, Math.pow(zr(), 1.3))) - 1)}`;
  const windows = [0, 1].map(() => Array.from({ length: rate * seconds }, zipfId));
  // What the indexer's content step would have stored when these listings were written (not for all of
  // the loaded catalog: see recordContentCandidates). The result cache stays empty.
  const recorded = contentRecords
    ? await recordContentCandidates(es, alias, config.redis, new Set(windows.flat()), 31, listings)
    : 0;
  const similarPath = (x: string) => `/v1/listings/${x}/similar?size=12`;
  const fromEmpty = await load(windows[0]!.map(similarPath));
  const steady = await load(windows[1]!.map(similarPath));
  const before = new Set(windows[0]);
  // Share of requests that are the first for their listing: distinct ids not asked in an earlier window.
  const firstAsks = (w: string[], earlier = new Set<string>()) =>
    round(new Set(w.filter((x) => !earlier.has(x))).size / w.length, 3);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'recommendations',
        machine: '2 cores; Elasticsearch, Redis, the API and the load generator on the same host',
        listings,
        api: {
          build,
          node_flags: nodeFlags,
          cache_redis: cacheRedisUrl ?? 'the queue Redis (--one-redis)',
          pinned: pin ? 'API on core 0, everything else on core 1' : false,
          replicas,
        },
        load_generator_heap_mb: round(process.memoryUsage().heapUsed / 2 ** 20, 0),
        simulated_users: sim.length,
        offline,
        load_generator:
          'open loop (bench/open-loop.ts): fixed arrival rate, latency counted from when each request was due',
        latency_at_rate: {
          feed: feedRun,
          feed_while_listings_arrive: {
            ...arrivingRun,
            note: `the cached feeds again while ${arrivals} new listings a second reach the fresh list; late_fresh: cached first pages checked against them, by outcome (merged: a new order written; unchanged: none ranks among the first 60)`,
          },
          feed_after_profile_change: { ...feedRebuilds, note: 'every request builds a feed (no cache)' },
          feed_with_profile_changes: {
            ...mixed,
            note: 'one request in five is an event (a click) for the user whose feed comes next (the 4 feed requests after each event are for that user: about 100 fresh builds a second)',
          },
          feed_with_listing_pages: {
            ...withPages,
            note: "cycles of five requests: a person opens a listing page of their taste, another each time (its similar items, then the view event), then asks for their feed three times (the first the cached build with the page's similar items merged in: feed_page_merges counts them; a fresh build before 2026-12-04)",
          },
          similar: { ...steady, share_of_requests_for_a_listing_not_asked_before: firstAsks(windows[1]!, before) },
          similar_from_empty_cache: {
            ...fromEmpty,
            content_candidates_recorded: recorded,
            share_of_requests_for_a_listing_not_asked_before: firstAsks(windows[0]!),
          },
        },
        goals: { latency: 'p99 < 30 ms at >= 500 req/s', quality: 'beat the popularity baseline' },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  for (const a of apis) await stopProcess(a);
  stats.disconnect();
  if (lateIds.length > 0) {
    await es.bulk({ refresh: true, operations: lateIds.map((_id) => ({ delete: { _index: alias, _id } })) });
  }
  if (!keep) await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true });
  await cleanupRedis(config); // this run's namespace, in both Redis
  await es.close();
}
