import type { FastifyInstance } from 'fastify';
import type { ListingDocument, UserProfile } from '../../../core/src/index.js';
import { extractFeatures } from '../../../ranking/src/features.js';
import { esCall } from '../search/es-errors.js';
import { ON_SALE, SOURCE_FIELDS } from '../search/search-request.js';
import { textQuery } from '../search/text-query.js';
import { catalogSize, rareTermsCap } from './catalog-size.js';
import { diversify } from './diversify.js';

export interface FeedEntry {
  doc: ListingDocument;
  score: number;
  source: string;
}

type Query = Record<string, unknown>;
/** Everything the feed's features read; descriptions only matter to text features, and a feed has no query. */
const FEED_FIELDS = SOURCE_FIELDS.filter((f) => f !== 'description');
/** Newest listings every feed may draw from. */
const FRESH_SIZE = 60;

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

const topKeys = (weights: Record<string, number>, n: number, pred: (k: string) => boolean = () => true) =>
  Object.entries(weights).filter(([k]) => pred(k)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k]) => k);

/**
 * Trending and fresh listings are the same for everyone: computed once a minute (and whenever one of
 * them changes, through the cache's per-listing invalidation, or a listing newer than the last fresh
 * one appears, through the entry's scope) instead of scoring every listing on sale for each feed.
 * Trending moves with popularity, which the minute's TTL follows.
 */
async function sharedCandidates(app: FastifyInstance): Promise<Array<{ doc: ListingDocument; source: string }>> {
  const index = app.config.elasticsearch.alias;
  const { value } = await app.cache.getOrCompute(
    'feed-shared-candidates',
    async () => {
      const res = await esCall('msearch', () =>
        app.es.msearch<ListingDocument>({
          searches: [
            { index }, { query: TRENDING, size: 100, _source: FEED_FIELDS, track_total_hits: false },
            { index }, { query: { bool: { filter: [ON_SALE] } }, sort: [{ created_at: 'desc' }], size: FRESH_SIZE, _source: FEED_FIELDS, track_total_hits: false },
          ],
        }),
      );
      const out: Array<{ doc: ListingDocument; source: string }> = [];
      res.responses.forEach((r, i) => {
        if ('hits' in r) for (const h of r.hits.hits) out.push({ doc: h._source!, source: i === 0 ? 'trending' : 'fresh' });
      });
      const fresh = out.filter((o) => o.source === 'fresh');
      const through = fresh.length === FRESH_SIZE ? Date.parse(fresh.at(-1)!.doc.created_at) : undefined;
      return { value: out, ids: out.map((o) => o.doc.id), scope: [{ status: 'on_sale', order: { field: 'created_at' as const, desc: true, through } }] };
    },
    { ttlSeconds: 60 },
  );
  return value;
}

/** Popular listings of one category or brand: the same for every user, so shared and cached a minute like the trending set. */
async function popularIn(app: FastifyInstance, key: string, filter: Query[], size: number): Promise<ListingDocument[]> {
  const index = app.config.elasticsearch.alias;
  const { value } = await app.cache.getOrCompute(
    `feed-popular:${size}:${key}`,
    async () => {
      // A filter sorted by popularity: Elasticsearch skips what cannot make the top, and counts nothing.
      const res = await esCall('search', () =>
        app.es.search<ListingDocument>({ index, size, track_total_hits: false, _source: FEED_FIELDS, query: { bool: { filter: [ON_SALE, ...filter] } } as never, sort: [{ popularity: 'desc' }, { created_at: 'desc' }] }),
      );
      const docs = res.hits.hits.map((h) => h._source!);
      return { value: docs, ids: docs.map((d) => d.id) };
    },
    { ttlSeconds: 60 },
  );
  return value;
}

/**
 * Builds a user's feed: candidates from their category and brand affinities, recent searches, items
 * like the ones they engaged with, and trending/fresh listings; sold, suspended and purchased items
 * excluded; scored with the ranking features' personal signals (affinity, price fit) plus popularity
 * and freshness; diversified by category and seller. Unknown users get the cold-start mix: trending
 * and fresh listings, diversified across categories. Only the sources that depend on the person
 * (their searches, items like theirs) query Elasticsearch for each build; category, brand, trending
 * and fresh lists are shared by everyone.
 */
export async function buildFeed(app: FastifyInstance, user: UserProfile | undefined, limit: number): Promise<FeedEntry[]> {
  const index = app.config.elasticsearch.alias;
  const purchased = new Set(user?.purchased_listing_ids ?? []);
  const mustNot: Query[] = purchased.size ? [{ ids: { values: [...purchased] } }] : [];
  const lists: Array<Promise<Array<{ doc: ListingDocument; source: string }>>> = [sharedCandidates(app)];
  const personal: Array<[string, Query]> = [];
  if (user) {
    const tagged = (source: string, docs: Promise<ListingDocument[]>) => docs.then((ds) => ds.map((doc) => ({ doc, source })));
    for (const path of topKeys(user.category_affinity, 3, (k) => k.split(' > ').length >= 2)) {
      lists.push(tagged(`category:${path}`, popularIn(app, `category:${path}`, path.split(' > ').map((name, i) => ({ term: { [`category_l${i}`]: name } })), 40)));
    }
    for (const brand of topKeys(user.brand_affinity, 2)) lists.push(tagged(`brand:${brand}`, popularIn(app, `brand:${brand}`, [{ term: { brand } }], 20)));
    for (const q of user.recent_queries.slice(0, 2)) personal.push([`search:${q}`, { query: { bool: { must: [textQuery(q)], filter: [ON_SALE], must_not: mustNot } }, size: 20 }]);
    const liked = user.recent_listing_ids.slice(0, 2);
    if (liked.length > 0) {
      // Text likeness without the catalog's common terms: the costly ones, and the least telling.
      const like = { fields: ['title', 'category_text'], like: liked.map((_id) => ({ _index: index, _id })), min_term_freq: 1, min_doc_freq: 1, max_doc_freq: rareTermsCap(await catalogSize(app)) };
      personal.push(['similar', { query: { bool: { must: [{ more_like_this: like }], filter: [ON_SALE], must_not: [...mustNot, { ids: { values: liked } }] } }, size: 20 }]);
    }
  }
  if (personal.length > 0) {
    lists.unshift(
      esCall('msearch', () =>
        app.es.msearch<ListingDocument>({ searches: personal.flatMap(([, body]) => [{ index }, { ...body, _source: FEED_FIELDS, track_total_hits: false }]) }),
      ).then((res) => res.responses.flatMap((r, i) => ('hits' in r ? r.hits.hits.map((h) => ({ doc: h._source!, source: personal[i]![0] })) : []))),
    );
  }
  // Personal sources first: a listing found by several keeps the most specific reason.
  const candidates = new Map<string, FeedEntry>();
  for (const list of await Promise.all(lists)) {
    for (const c of list) if (!candidates.has(c.doc.id) && !purchased.has(c.doc.id) && c.doc.status === 'on_sale') candidates.set(c.doc.id, { doc: c.doc, score: 0, source: c.source });
  }
  const entries = [...candidates.values()];
  const features = extractFeatures(entries.map((e) => ({ doc: e.doc, bm25: 0 })), { query: '', user, now: new Date() });
  const at = (name: string) => app.ranking.featureNames.indexOf(name);
  entries.forEach((e, i) => {
    const f = features[i]!;
    const personal = user ? 3 * f[at('user_category_affinity')]! + 1.5 * f[at('user_brand_affinity')]! + 0.5 * f[at('user_price_fit')]! : 0;
    const popularity = Math.min(1, f[at('log_views')]! / 8);
    const freshness = 1 - f[at('age_days')]! / 60;
    e.score = personal + 0.4 * popularity + 0.3 * Math.max(0, freshness);
  });
  entries.sort((a, b) => b.score - a.score || a.doc.id.localeCompare(b.doc.id));
  return diversify(entries, (e) => ({ category: e.doc.category_path.join(' > '), seller: e.doc.seller_id })).slice(0, limit);
}
