import type { FastifyInstance } from 'fastify';
import { rareTermsCap, type ListingDocument, type UserProfile } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { ON_SALE } from '../../../core/src/index.js';
import { textQuery } from '../search/text-query.js';
import { catalogSize } from './catalog-size.js';
import { diversify } from './diversify.js';
import { readNeighbours } from './neighbours.js';
import { popularIn, RECS_FIELDS, type PopularOf } from './popular-in.js';
import { scoreFeed, topKeys } from './feed-score.js';
import { SIMILAR_PAGE_SIZE, SimilarService } from './similar-service.js';
import { recsWeights } from './weights.js';
import { feedFeatures, scaleAnchors, type ScaleAnchors } from '../../../ranking/src/feed-features.js';

export interface FeedEntry {
  doc: ListingDocument;
  score: number;
  source: string;
}

type Query = Record<string, unknown>;
type Candidate = { doc: ListingDocument; source: string };

/** A personal source of known listings (co-engaged, or shown on a page): those of `ids` still on sale. */
const onSaleOf = (ids: string[]): Query => ({
  query: { bool: { filter: [ON_SALE, { ids: { values: ids } }] } },
  size: ids.length,
});

/** Recent likes whose neighbours seed the feed, and neighbours read per like. */
const SEEDS = 10;
const NEIGHBOURS_PER_SEED = 30;
/** Listings each personal text source (recent searches, text likeness of the last viewed listing) adds to a build. */
const TEXT_SOURCE_SIZE = 20;

/**
 * The lowest score that put a listing on each personal text source of a build (its TEXT_SOURCE_SIZE-th
 * hit), or null when the source had fewer: any match was in. A listing scored after the build enters
 * the source where it scores this or more (late-fresh.ts).
 */
export type TextSourceCuts = Record<string, number | null>;

/**
 * A person's text sources as [source, search body]: their recent searches (`search:<q>`) and, with
 * `likeness`, listings that read like the one they viewed (or liked) last (`similar`; see shownSimilar for
 * when). One home for the build and for the merge of listings published after it, so a late listing is
 * judged by the very queries the build ran.
 */
function textSources(
  user: UserProfile,
  index: string,
  catalog: number,
  mustNot: Query[],
  likeness: boolean,
): Array<[string, Query]> {
  const sources: Array<[string, Query]> = [];
  for (const q of user.recent_queries.slice(0, 2))
    sources.push([
      `search:${q}`,
      { query: { bool: { must: [textQuery(q)], filter: [ON_SALE], must_not: mustNot } }, size: TEXT_SOURCE_SIZE },
    ]);
  const last = user.recent_listing_ids[0];
  if (likeness && last) {
    // Text likeness of the title, without the catalog's common terms: the costly ones, and the least
    // telling. Not of the category text: the person's categories have their own sources and features, and
    // at 1M listings it cost a quarter of this query's Elasticsearch CPU while changing 5 % of what it found
    // (docs/benchmarks.md, "Title likeness for the feed").
    const like = {
      fields: ['title'],
      like: [{ _index: index, _id: last }],
      min_term_freq: 1,
      min_doc_freq: 1,
      max_doc_freq: rareTermsCap(catalog),
    };
    sources.push([
      'similar',
      {
        query: {
          bool: {
            must: [{ more_like_this: like }],
            filter: [ON_SALE],
            must_not: [...mustNot, { ids: { values: [last] } }],
          },
        },
        size: TEXT_SOURCE_SIZE,
      },
    ]);
  }
  return sources;
}

/**
 * The ids of the similar items the page of the listing the person viewed (or liked) last showed, while
 * that list is cached (similar-service.ts): after a listing page, the person's next feed reads what the
 * page showed instead of searching for listings that read like it (textSources' `similar`, which a build
 * runs when the list is no longer cached: a person back after a while). The search was most of a
 * rebuild's Elasticsearch CPU at 1M listings; computing the page's list instead costs more than it does
 * (docs/benchmarks.md, "The feed reads what a listing page shows"). Undefined when not cached.
 */
async function shownSimilar(app: FastifyInstance, user: UserProfile): Promise<string[] | undefined> {
  const last = user.recent_listing_ids[0];
  if (!last) return undefined;
  const shown = await new SimilarService(app).shown(last, SIMILAR_PAGE_SIZE);
  return shown?.items.map((i) => i.id);
}

/**
 * Which of `docs` (listings published after a build) each of the person's text sources would have put on
 * it, by the build's cuts: one msearch, each source's query limited to these listings. The first source
 * in the build's order wins, as in feedCandidates. Empty when the build had no text source.
 */
async function lateTextSources(
  app: FastifyInstance,
  user: UserProfile,
  docs: ListingDocument[],
  cuts: TextSourceCuts,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (docs.length === 0) return found;
  const index = app.config.elasticsearch.alias;
  const only = { ids: { values: docs.map((d) => d.id) } };
  const sources = textSources(user, index, await catalogSize(app), [], true).filter(([source]) => source in cuts);
  if (sources.length === 0) return found;
  const res = await esCall('msearch', () =>
    app.es.msearch({
      searches: sources.flatMap(([, body]) => {
        const { query } = body as { query: { bool: Record<string, unknown[]> } };
        const bool = { ...query.bool, filter: [...query.bool.filter!, only] };
        return [{ index }, { query: { bool }, size: docs.length, _source: false, track_total_hits: false }];
      }),
    }),
  );
  res.responses.forEach((r, i) => {
    const [source] = sources[i]!;
    const cut = cuts[source];
    if (!('hits' in r)) return;
    for (const h of r.hits.hits)
      if (h._id && !found.has(h._id) && (cut === null || (h._score ?? 0) >= cut!)) found.set(h._id, source);
  });
  return found;
}

/** Popular and recent first: the trending signal for cold start and for every feed's tail. */
const TRENDING: Query = {
  function_score: {
    query: { bool: { filter: [ON_SALE] } },
    functions: [
      { field_value_factor: { field: 'popularity', modifier: 'log1p', missing: 0 } },
      { gauss: { created_at: { origin: 'now', scale: '7d', decay: 0.5 } } },
    ],
    score_mode: 'multiply',
    boost_mode: 'replace',
  },
};

/**
 * Trending listings are the same for everyone: computed once a minute instead of scoring every listing on
 * sale for each feed (a function score over all of them, 36-43 ms in Elasticsearch at 1M listings), and
 * dropped when one of them changes (the cache's per-listing invalidation). Trending moves with popularity,
 * which new listings do not have and the minute's TTL follows. The fresh list is kept apart (fresh-list.ts).
 */
async function trending(app: FastifyInstance): Promise<Candidate[]> {
  const { value } = await app.cache.getOrCompute(
    'feed-trending',
    async () => {
      const res = await esCall('search', () =>
        app.es.search<ListingDocument>({
          index: app.config.elasticsearch.alias,
          query: TRENDING,
          size: 100,
          _source: RECS_FIELDS,
          track_total_hits: false,
        }),
      );
      const out = res.hits.hits.map((h) => ({ doc: h._source!, source: 'trending' }));
      return { value: out, ids: out.map((o) => o.doc.id) };
    },
    { ttlSeconds: 60 },
  );
  return value;
}

/**
 * A user's feed candidates, unranked, and their summed co-engagement scores. Candidates: the co-engagement neighbours of their recent likes
 * (`because_you_liked:<id>`, one Redis round trip), what fits them (the popular listings of their top
 * sizes, categories and brands: lists shared by everyone and cached, so a fresh build queries
 * Elasticsearch only for its own sources; a per-user query weighting all of them at once cost ~10x
 * the feed's latency under fresh builds), their recent searches, the similar items of what they viewed
 * last (shownSimilar, or textSources' likeness), and trending/fresh listings. Sold, suspended, purchased
 * and already liked items are excluded. Unknown users get the cold-start mix: trending and fresh listings.
 * The training export (bench/recommendations-real.ts --export-feed) reads candidates here too, so a model
 * learns on the pool it ranks.
 */
export async function feedCandidates(
  app: FastifyInstance,
  user: UserProfile | undefined,
): Promise<{ entries: FeedEntry[]; together: Map<string, number>; fresh: string[]; textCuts: TextSourceCuts }> {
  const index = app.config.elasticsearch.alias;
  // The newest listings on sale, shared by every feed (fresh-list.ts).
  const fresh = app.freshListings.current();
  const shared = Promise.all([trending(app), fresh]).then(([t, f]) => [
    ...t,
    ...f.map((doc) => ({ doc, source: 'fresh' })),
  ]);
  const excluded = new Set([...(user?.purchased_listing_ids ?? []), ...(user?.liked_listing_ids ?? [])]);
  const mustNot: Query[] = excluded.size ? [{ ids: { values: [...excluded] } }] : [];
  const lists: Array<Promise<Candidate[]>> = [shared];
  const personal: Array<[string, Query]> = [];
  const together = new Map<string, { score: number; seed: string; best: number }>();
  const textCuts: TextSourceCuts = {};
  const textNames = new Set<string>();
  if (user) {
    const tagged = (source: string, docs: Promise<ListingDocument[]>) =>
      docs.then((ds) => ds.map((doc) => ({ doc, source })));
    const seeds = (user.liked_listing_ids ?? []).slice(0, SEEDS);
    const [neighbours, catalog, shown] = await Promise.all([
      readNeighbours(app.redis, app.config.redis.namespace, seeds, NEIGHBOURS_PER_SEED),
      catalogSize(app),
      shownSimilar(app, user),
    ]);
    for (const [seed, list] of neighbours) {
      for (const { id, score } of list) {
        const t = together.get(id) ?? { score: 0, seed, best: 0 };
        t.score += score;
        if (score > t.best) Object.assign(t, { seed, best: score });
        together.set(id, t);
      }
    }
    const ids = [...together.keys()].filter((id) => !excluded.has(id));
    if (ids.length > 0) personal.push(['together', onSaleOf(ids)]);
    const popular = (kind: PopularOf['kind'], value: string, take: number) => {
      lists.push(tagged(`${kind}:${value}`, popularIn(app, { kind, value }, take)));
    };
    for (const path of topKeys(user.category_affinity, 3, (k) => k.split(' > ').length >= 2))
      popular('category', path, 40);
    for (const brand of topKeys(user.brand_affinity, 3)) popular('brand', brand, 40);
    for (const size of topKeys(user.size_affinity ?? {}, 2)) popular('size', size, 100);
    const text = textSources(user, index, catalog, mustNot, !shown);
    for (const [source] of text) textNames.add(source);
    personal.push(...text);
    const similar = shown?.filter((id) => !excluded.has(id)) ?? [];
    if (similar.length > 0) personal.push(['similar', onSaleOf(similar)]);
  }
  if (personal.length > 0) {
    lists.unshift(
      esCall('msearch', () =>
        app.es.msearch<ListingDocument>({
          searches: personal.flatMap(([, body]) => [
            { index },
            { ...body, _source: RECS_FIELDS, track_total_hits: false },
          ]),
        }),
      ).then((res) =>
        res.responses.flatMap((r, i) => {
          const [source] = personal[i]!;
          if (!('hits' in r)) return [];
          const { hits } = r.hits;
          if (textNames.has(source))
            textCuts[source] = hits.length >= TEXT_SOURCE_SIZE ? (hits.at(-1)?._score ?? null) : null;
          return hits.map((h) => ({ doc: h._source!, source }));
        }),
      ),
    );
  }
  // Personal sources first: a listing found by several keeps the most specific reason.
  const candidates = new Map<string, FeedEntry>();
  for (const list of await Promise.all(lists)) {
    for (const c of list) {
      if (candidates.has(c.doc.id) || excluded.has(c.doc.id) || c.doc.status !== 'on_sale') continue;
      const t = together.get(c.doc.id);
      candidates.set(c.doc.id, { doc: c.doc, score: 0, source: t ? `because_you_liked:${t.seed}` : c.source });
    }
  }
  return {
    entries: [...candidates.values()],
    together: new Map([...together].map(([id, t]) => [id, t.score])),
    fresh: (await fresh).map((d) => d.id),
    textCuts,
  };
}

/** What ordered a feed: `blend`, or the learned model's name (`onnx:feed-ltr@<version>`). */
export type FeedRanker = string;

/**
 * Scores a user's candidates in place: by the learned model when one is loaded and the user has a profile
 * (it was trained on people with likes; cold start keeps the blend's popularity and freshness), else by
 * the blend. A model that fails on a build falls back to the blend for that build, logged.
 */
async function scoreCandidates(
  app: FastifyInstance,
  entries: FeedEntry[],
  user: UserProfile | undefined,
  together: Map<string, number>,
  now: Date,
  anchors: ScaleAnchors,
): Promise<FeedRanker> {
  const model = app.feedModel;
  if (!model && user && app.config.feedRanker.mode === 'learned')
    app.metrics.feedRankerFallbacks.inc({ reason: 'model_unavailable' });
  if (model && user && entries.length > 0) {
    try {
      const rows = feedFeatures(
        entries.map((e) => ({ doc: e.doc, source: e.source, together: together.get(e.doc.id) ?? 0 })),
        user,
        now,
        anchors,
      );
      const scores = await model.score(rows);
      // A NaN would leave the sort's order to the engine: better the blend than an arbitrary feed.
      if (!scores.every(Number.isFinite)) throw new Error('non-finite model score');
      entries.forEach((e, i) => (e.score = scores[i]!));
      return model.name;
    } catch (err) {
      app.metrics.feedRankerFallbacks.inc({ reason: 'scoring_failed' });
      app.log.warn(
        { component: 'feed-ranker', err: (err as Error).message },
        'feed ranker failed; this build uses the blend',
      );
    }
  }
  scoreFeed(entries, user, together, now, recsWeights(app).feed, anchors);
  return 'blend';
}

/** A built feed: its entries in order, what ranked them, the anchors it scaled by, the fresh list it saw. */
export interface BuiltFeed {
  entries: FeedEntry[];
  ranker: FeedRanker;
  anchors: ScaleAnchors;
  /** Ids of the shared fresh list the build drew from: a listing that joins the list later is new to it. */
  fresh: string[];
  /** What it took to enter each personal text source: a later listing is judged by the same bar. */
  textCuts: TextSourceCuts;
}

/** Score order, ties by id: the order diversify starts from, for a build and for a merge into one. */
export const byScore = (a: { score: number; id: string }, b: { score: number; id: string }) =>
  b.score - a.score || a.id.localeCompare(b.id);

/** The keys the diversity rule counts: leaf category and seller. */
export const diversityKey = (doc: Pick<ListingDocument, 'category_path' | 'seller_id'>) => ({
  category: doc.category_path.join(' > '),
  seller: doc.seller_id,
});

/**
 * Builds a user's feed: the candidates (feedCandidates), ranked (scoreCandidates), then diversified by
 * category and seller (diversify.ts), which stays after any ranker.
 */
export async function buildFeed(
  app: FastifyInstance,
  user: UserProfile | undefined,
  limit: number,
): Promise<BuiltFeed> {
  const { entries, together, fresh, textCuts } = await feedCandidates(app, user);
  const anchors = scaleAnchors(entries.map((e) => ({ doc: e.doc, together: together.get(e.doc.id) ?? 0 })));
  const ranker = await scoreCandidates(app, entries, user, together, new Date(), anchors);
  entries.sort((a, b) => byScore({ score: a.score, id: a.doc.id }, { score: b.score, id: b.doc.id }));
  const feed = diversify(entries, (e) => diversityKey(e.doc), { limit });
  return { entries: feed, ranker, anchors, fresh, textCuts };
}

/**
 * Scores listings for a feed after it was built, for the same person, by the same ranker and the build's
 * anchors, so the scores compare with the build's: listings that reached the shared fresh list since
 * (`fresh`: nothing is known of them but what they are) and the similar items of a listing page the person
 * viewed since (`similar`, page-merges.ts). They have no co-engagement with the person's likes.
 */
export async function scoreAfterBuild(
  app: FastifyInstance,
  user: UserProfile | undefined,
  docs: ListingDocument[],
  anchors: ScaleAnchors,
  source: 'fresh' | 'similar' = 'fresh',
): Promise<FeedEntry[]> {
  const entries = docs.map((doc) => ({ doc, score: 0, source }));
  await scoreCandidates(app, entries, user, new Map(), new Date(), anchors);
  return entries;
}

/**
 * Late listings (scored as `fresh` by scoreAfterBuild) that one of the person's text sources would have
 * found by the build's cuts (lateTextSources), with that source and the score it gives them. The check is
 * an Elasticsearch request, so it is asked only for listings a text source would lift above `floor` (what a
 * listing needs to reach the build's first items) and above their score as fresh; and callers run it off
 * the request: awaited on the request, it took the cached feeds' p99 from 6-9 ms to 9-59 ms at 26 new
 * listings a second (docs/benchmarks.md).
 */
export async function textSourceCorrections(
  app: FastifyInstance,
  user: UserProfile | undefined,
  asFresh: FeedEntry[],
  anchors: ScaleAnchors,
  textCuts: TextSourceCuts,
  floor: number,
): Promise<FeedEntry[]> {
  if (!user || asFresh.length === 0 || Object.keys(textCuts).length === 0) return [];
  const asText = await scoreAfterBuild(
    app,
    user,
    asFresh.map((e) => e.doc),
    anchors,
    'similar',
  );
  const lifted = asText.filter((e, i) => e.score > floor && e.score > asFresh[i]!.score);
  const sources = await lateTextSources(
    app,
    user,
    lifted.map((e) => e.doc),
    textCuts,
  );
  return lifted.flatMap((e) => {
    const source = sources.get(e.doc.id);
    return source ? [{ ...e, source }] : [];
  });
}
