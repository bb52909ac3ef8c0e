import type { estypes } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import {
  redisKeys,
  SEARCH_WINDOW_TTL_S,
  ValidationError,
  type ListingDocument,
  type UserProfile,
} from '../../../core/src/index.js';
import type { Candidate, RankResult } from '../../../ranking/src/types.js';
import type { Facets, ListingItem, SearchQuery, SearchResponse } from '../schemas/search.js';
import type { EntryScope } from '../cache/entry-scope.js';
import type { CachedValue, CacheLayer } from '../cache/result-cache.js';
import { CursorCodec, decodeSearchCursor, encodeSearchCursor, requestHash, type CursorState } from '../cursor.js';
import { esCall } from './es-errors.js';
import { toFacets } from './facets.js';
import { EMBEDDING_DOCVALUES, knnScope, knnSearch, mergeCandidates, type ScoredHit } from './hybrid-retrieval.js';
import { toItem } from './listing-items.js';
import { foundSources } from './mget.js';
import {
  buildAggs,
  buildFilters,
  buildQuery,
  buildSort,
  resultScope,
  SOURCE_FIELDS,
  writtenSinceQuery,
} from './search-request.js';

type Hit = {
  _id?: string;
  _score?: number | null;
  _source?: ListingDocument;
  sort?: unknown[];
  fields?: Record<string, unknown>;
};

/** A ranked candidate window: what a relevance search computes once and pages through. */
interface RankedWindow {
  query_id: string;
  items: ListingItem[];
  total: SearchResponse['total'];
  facets: Facets;
  ranker: string;
  retrieval: 'hybrid' | 'bm25';
  explain?: ExplainRow[];
}

export interface ExplainRow {
  id: string;
  final_rank: number;
  /** null for a listing only the semantic retriever found. */
  bm25_rank: number | null;
  knn_rank: number | null;
  bm25: number;
  /** Query-listing cosine of the text embeddings; null without an embedding. */
  semantic: number | null;
  model_score: number;
  features: Record<string, number>;
}

/**
 * The search bar. Relevance with text: retrieve the top RERANK_CANDIDATES by BM25 (with facets and the
 * total in the same request) while the query is embedded, add the KNN_CANDIDATES nearest listings by
 * embedding (hybrid-retrieval.ts), re-rank the union with the ranking service, cache the ranked window, and page
 * through it by offset (relevance paging is capped at the window: nobody pages past 200 results, and a
 * stable window is what makes the pages gap- and duplicate-free). Other sorts and browsing page with
 * search_after on a total order (the sort field, then id).
 */
export class SearchService {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly app: FastifyInstance,
    private readonly loadProfile: (userId: string) => Promise<UserProfile | undefined> = async () => undefined,
  ) {
    this.cursors = new CursorCodec(app.config.cursorSecrets);
  }

  private encodeCursor(state: CursorState, hash: string): string {
    return encodeSearchCursor(this.cursors, state, hash);
  }

  private decodeCursor(cursor: string, hash: string): CursorState {
    return decodeSearchCursor(this.cursors, cursor, hash);
  }

  /**
   * One search. `cache` says what served it (not part of the body; the route sends it as `x-cache`):
   * a result-cache layer, `bypass` (explain computes fresh) or `window` (a later relevance page, read
   * from the ranked window in Redis).
   */
  async search(
    p: SearchQuery,
    opts: { explain?: boolean } = {},
  ): Promise<SearchResponse & { explain?: ExplainRow[]; cache: CacheLayer | 'bypass' | 'window' }> {
    const started = performance.now();
    const params = {
      ...p,
      q: (p.q ?? '').trim().replace(/\s+/g, ' '),
      status: p.status ?? 'on_sale',
      sort: p.sort ?? 'relevance',
      rank: p.rank ?? 'model',
      size: p.size ?? 20,
    };
    const hash = requestHash({ ...params, cursor: undefined, size: undefined });
    const relevance = params.sort === 'relevance' && params.q.length > 0;
    const result = relevance
      ? await this.relevancePage(params, hash, opts.explain ?? false)
      : await this.sortedPage(params, hash);
    return { ...result, took_ms: Math.round((performance.now() - started) * 100) / 100 };
  }

  private async relevancePage(
    p: Required<Pick<SearchQuery, 'q' | 'size'>> & SearchQuery,
    hash: string,
    explain: boolean,
  ) {
    const cursor = p.cursor ? this.decodeCursor(p.cursor, hash) : undefined;
    if (cursor && cursor.kind !== 'offset')
      throw new ValidationError('cursor is not for this sort', [{ path: 'cursor', message: 'is not for this sort' }]);
    if (cursor) return this.laterPage(p, hash, cursor.window, cursor.offset);
    const key = `search:${hash}:${p.user_id ?? ''}:${explain ? 'x' : ''}`;
    const compute = async () => {
      const { window, knn, bm25Cut } = await this.rankWindow(p, explain);
      // A listing matching the query may enter a relevance window (scored at or above BM25's cut when
      // there was one), and with kNN candidates any listing whose vector comes as close to the query as
      // the farthest of them.
      const scope = { ...resultScope(p), ...(knn ? { knn } : {}), ...(bm25Cut !== undefined ? { bm25Cut } : {}) };
      return { value: window, ids: window.items.map((i) => i.id), scope: [scope] };
    };
    // A personal window also depends on the person's profile, which no write time covers: recomputed.
    const revalidate = p.user_id
      ? undefined
      : async (entry: CachedValue<RankedWindow>, since: number) =>
          entry.value.ranker === this.expectedRanker(p) &&
          entry.value.retrieval === this.expectedRetrieval(p) &&
          !(await this.writtenSince(p, entry.ids, since));
    const { value: window, layer } = explain
      ? { value: (await compute()).value, layer: 'bypass' as const }
      : await this.app.cache.getOrCompute(key, compute, { revalidate });
    const page = window.items.slice(0, p.size);
    const next =
      p.size < window.items.length
        ? this.encodeCursor({ kind: 'offset', offset: p.size, window: window.query_id }, hash)
        : null;
    return {
      query_id: window.query_id,
      items: page,
      total: window.total,
      facets: window.facets,
      next_cursor: next,
      ranker: window.ranker,
      retrieval: window.retrieval,
      cache: layer,
      ...(explain ? { explain: window.explain } : {}),
    };
  }

  /** Pages after the first read the window's order by query id, then fresh documents (sold ones dropped). */
  private async laterPage(p: SearchQuery & { size: number }, hash: string, queryId: string, offset: number) {
    const raw = await this.app.cacheRedis.get(this.windowKey(queryId));
    if (!raw)
      throw new ValidationError('cursor expired; start the search again', [{ path: 'cursor', message: 'expired' }]);
    const stored = JSON.parse(raw) as {
      ids: string[];
      scores: number[];
      total: SearchResponse['total'];
      facets: Facets;
      ranker: string;
      retrieval?: 'hybrid' | 'bm25';
    };
    const ids = stored.ids.slice(offset, offset + p.size);
    const docs = ids.length
      ? await esCall('mget', () =>
          this.app.es.mget<ListingDocument>({
            index: this.app.config.elasticsearch.alias,
            ids,
            _source: SOURCE_FIELDS,
          }),
        )
      : { docs: [] };
    const items: ListingItem[] = [];
    foundSources(docs).forEach((src, i) => {
      if (src && src.status === (p.status ?? 'on_sale')) items.push(toItem(src, stored.scores[offset + i]!));
    });
    const end = offset + p.size;
    return {
      query_id: queryId,
      items,
      total: stored.total,
      facets: stored.facets,
      ranker: stored.ranker,
      retrieval: stored.retrieval ?? null,
      cache: 'window' as const,
      next_cursor:
        end < stored.ids.length ? this.encodeCursor({ kind: 'offset', offset: end, window: queryId }, hash) : null,
    };
  }

  /** Who ranks a window of this request now, when nothing fails: a window ranked otherwise is recomputed. */
  private expectedRanker(p: SearchQuery): string | null {
    return p.rank === 'bm25' ? 'bm25' : this.app.ranking.primaryName();
  }

  private expectedRetrieval(p: SearchQuery): RankedWindow['retrieval'] {
    const { embedder, config } = this.app;
    return p.rank !== 'bm25' && embedder && config.embedding.knnCandidates > 0 ? 'hybrid' : 'bm25';
  }

  /** Whether a listing a cached result of `p` shows or may show was written since `since` (writtenSinceQuery). */
  private async writtenSince(p: SearchQuery, ids: string[], since: number): Promise<boolean> {
    const { config, es, metrics } = this.app;
    const res = await esCall(
      'revalidate',
      () =>
        es.search({
          index: config.elasticsearch.alias,
          ...writtenSinceQuery(p, ids, since),
          timeout: `${config.elasticsearch.requestTimeoutMs}ms`,
        }),
      (op, s) => metrics.esDuration.observe({ op }, s),
    );
    const total = res.hits.total;
    return (typeof total === 'number' ? total : (total?.value ?? 1)) > 0 || res.timed_out;
  }

  private windowKey(queryId: string) {
    return redisKeys(this.app.config.redis.namespace).searchWindow(queryId);
  }

  private async rankWindow(
    p: SearchQuery & { q: string },
    explain: boolean,
  ): Promise<{ window: RankedWindow; knn: EntryScope['knn']; bm25Cut: number | undefined }> {
    const { config } = this.app;
    const { aggs, level, parent } = buildAggs(p);
    // rank=bm25 is the pure baseline: BM25 retrieval in BM25 order, no embedding, no model.
    const baseline = p.rank === 'bm25';
    // The kNN search runs beside BM25's, as soon as the query is embedded.
    const embedded = baseline ? Promise.resolve(undefined) : this.embedQuery(p.q);
    const nearest = embedded.then((v) => (v ? this.nearest(p, v) : undefined));
    // The BM25 hits come with their int8 embeddings: the cosine is computed here (hybrid-retrieval.ts).
    const [res, vector, knnHits] = await Promise.all([
      this.retrieve(buildQuery(p), aggs, {
        size: config.model.candidates,
        ...(baseline ? {} : { docvalue_fields: EMBEDDING_DOCVALUES }),
      }),
      embedded,
      nearest,
    ]);
    const hits = res.hits.hits as Hit[];
    const candidates = mergeCandidates(hits as ScoredHit[], knnHits ?? [], knnHits ? vector : undefined);
    const user = p.user_id ? await this.loadProfile(p.user_id).catch(() => undefined) : undefined;
    const ctx = { query: p.q, user, now: new Date() };
    const wantFeatures = explain || config.featureLogEnabled;
    const ranked: RankResult = baseline
      ? { order: candidates.map((_, i) => i), scores: candidates.map((c) => c.bm25), ranker: 'bm25' }
      : await this.app.ranking.rank(candidates, ctx, { withFeatures: wantFeatures, bucketKey: p.user_id });
    const { order, scores } = ranked;
    const queryId = randomUUID();
    const total = res.hits.total as { value: number; relation: 'eq' | 'gte' };
    const window: RankedWindow = {
      query_id: queryId,
      items: order.map((i) => toItem(candidates[i]!.doc, scores[i]!)),
      total: { value: total.value, relation: total.relation },
      facets: toFacets(res.aggregations as Record<string, unknown>, level, parent),
      // Say when the model was bypassed, so clients and dashboards never mistake BM25 for the model;
      // `retrieval` says whether the semantic retriever took part.
      ranker: ranked.fallbackReason ? `bm25 (fallback: ${ranked.fallbackReason})` : ranked.ranker,
      retrieval: vector ? 'hybrid' : 'bm25',
    };
    if (explain) {
      const names = this.app.ranking.featureNames;
      window.explain = order.map((i, rank) => {
        const c = candidates[i]!;
        return {
          id: c.doc.id,
          final_rank: rank,
          bm25_rank: c.bm25Rank,
          knn_rank: c.knnRank,
          bm25: c.bm25,
          semantic: c.semantic ?? null,
          model_score: scores[i]!,
          features: ranked.features ? Object.fromEntries(names.map((n, k) => [n, ranked.features![i]![k]!])) : {},
        };
      });
    }
    // The window by query id: later pages read it (stable order), clicks join the feature log by it.
    await this.app.cacheRedis
      .set(
        this.windowKey(queryId),
        JSON.stringify({
          ids: window.items.map((i) => i.id),
          scores: window.items.map((i) => i.score),
          total: window.total,
          facets: window.facets,
          ranker: window.ranker,
          retrieval: window.retrieval,
        }),
        'EX',
        SEARCH_WINDOW_TTL_S,
      )
      .catch(() => undefined);
    // Explain calls are debugging, not traffic: they stay out of the training logs.
    if (config.featureLogEnabled && !explain && ranked.features && !baseline)
      this.logFeatures(queryId, p, ranked, candidates, order);
    // BM25 returned all it was asked for: a listing scored under the last of them would not be among them.
    const last = hits.length >= config.model.candidates && !res.timed_out ? hits.at(-1)?._score : undefined;
    return {
      window,
      knn: knnHits && vector ? knnScope(vector, knnHits, config.embedding.knnCandidates) : undefined,
      bm25Cut: typeof last === 'number' ? last : undefined,
    };
  }

  /** The query's embedding, or undefined (BM25 retrieval only) when there is no model or it fails. */
  private async embedQuery(q: string): Promise<Float32Array | undefined> {
    const { embedder, metrics, config } = this.app;
    if (!embedder || config.embedding.knnCandidates === 0) return undefined;
    try {
      return await embedder.embed(q);
    } catch (err) {
      metrics.semanticFallbacks.inc({ reason: 'embedding_error' });
      this.app.log.warn({ err: (err as Error).message }, 'query embedding failed; BM25 retrieval only');
      return undefined;
    }
  }

  /** The nearest listings under the request's filters, or undefined (BM25 retrieval only) on failure. */
  private async nearest(p: SearchQuery, vector: Float32Array): Promise<ScoredHit[] | undefined> {
    const { config, es, metrics } = this.app;
    try {
      const res = await esCall(
        'knn',
        () =>
          es.search<ListingDocument>({
            index: config.elasticsearch.alias,
            ...knnSearch(vector, buildFilters(p), config.embedding.knnCandidates),
            _source: SOURCE_FIELDS,
            timeout: `${config.elasticsearch.requestTimeoutMs}ms`,
          }),
        (op, s) => metrics.esDuration.observe({ op }, s),
      );
      return res.hits.hits as ScoredHit[];
    } catch (err) {
      metrics.semanticFallbacks.inc({ reason: 'knn_error' });
      this.app.log.warn({ err: (err as Error).message }, 'kNN search failed; BM25 retrieval only');
      return undefined;
    }
  }

  /**
   * Fire-and-forget: logging never fails or slows a search. Bounded: a sampled share of searches, the
   * first FEATURE_LOG_ITEMS positions (clicks come from the first pages), a capped stream: its Redis
   * memory is maxLen x items x ~0.3 KB, computed in docs/operations.md, not hoped for.
   */
  private logFeatures(
    queryId: string,
    p: SearchQuery & { q: string },
    ranked: RankResult,
    candidates: Candidate[],
    order: number[],
  ) {
    const { maxLen, items: logged, sample } = this.app.config.featureLog;
    if (sample < 1 && Math.random() >= sample) return;
    const items = order.slice(0, logged).map((i, position) => ({
      listing_id: candidates[i]!.doc.id,
      position,
      bm25: candidates[i]!.bm25,
      score: ranked.scores[i],
      features: ranked.features![i],
    }));
    this.app.redis
      .xadd(
        redisKeys(this.app.config.redis.namespace).featureLog,
        'MAXLEN',
        '~',
        String(maxLen),
        '*',
        'query_id',
        queryId,
        'ts',
        new Date().toISOString(),
        'user_id',
        p.user_id ?? '',
        'query',
        p.q,
        'ranker',
        ranked.ranker,
        'feature_names',
        JSON.stringify(this.app.ranking.featureNames),
        'items',
        JSON.stringify(items),
      )
      .catch((err) => this.app.log.warn({ err }, 'feature log write failed'));
  }

  /** One search on the listings alias with facets and a capped total, timed and with mapped failures. */
  private retrieve(
    query: estypes.QueryDslQueryContainer,
    aggs: Record<string, estypes.AggregationsAggregationContainer>,
    extra: {
      size: number;
      sort?: estypes.SortCombinations[];
      search_after?: estypes.SortResults;
      docvalue_fields?: string[];
    },
  ) {
    const { config, es, metrics } = this.app;
    return esCall(
      'search',
      () =>
        es.search<ListingDocument>({
          index: config.elasticsearch.alias,
          query,
          aggs,
          track_total_hits: 10_000,
          _source: SOURCE_FIELDS,
          timeout: `${config.elasticsearch.requestTimeoutMs}ms`,
          ...extra,
        }),
      (op, s) => metrics.esDuration.observe({ op }, s),
    );
  }

  private async sortedPage(p: SearchQuery & { q: string; size: number; sort: string }, hash: string) {
    const cursor = p.cursor ? this.decodeCursor(p.cursor, hash) : undefined;
    if (cursor && cursor.kind !== 'after')
      throw new ValidationError('cursor is not for this sort', [{ path: 'cursor', message: 'is not for this sort' }]);
    // Browsing without text in "relevance" order means most popular first.
    const sortName = p.sort === 'relevance' ? 'popular' : (p.sort as 'newest' | 'price_asc' | 'price_desc' | 'popular');
    const sort = buildSort(sortName);
    const key = `sorted:${hash}:${p.size}:${p.cursor ?? ''}`;
    const { value, layer } = await this.app.cache.getOrCompute(
      key,
      async () => {
        const { aggs, level, parent } = buildAggs(p);
        const query = p.q ? buildQuery(p) : { bool: { filter: buildFilters(p) } };
        const res = await this.retrieve(query, aggs, {
          size: p.size,
          sort,
          ...(cursor?.kind === 'after' ? { search_after: cursor.after } : {}),
        });
        const hits = res.hits.hits as Hit[];
        const last = hits.at(-1);
        const total = res.hits.total as { value: number; relation: 'eq' | 'gte' };
        const page = {
          query_id: randomUUID(),
          items: hits.map((h) =>
            toItem(h._source!, typeof h.sort?.[0] === 'number' ? (h.sort[0] as number) : (h._score ?? 0)),
          ),
          total: { value: total.value, relation: total.relation },
          facets: toFacets(res.aggregations as Record<string, unknown>, level, parent),
          next_cursor:
            hits.length === p.size && last?.sort
              ? this.encodeCursor({ kind: 'after', after: last.sort as Array<string | number> }, hash)
              : null,
          ranker: `sort:${p.sort === 'relevance' ? 'popular' : p.sort}`,
          retrieval: null,
        };
        // A listing enters this page only between the cursor's position and the page's last item (a full page).
        const stretch = {
          sort: sortName,
          after: cursor?.kind === 'after' ? cursor.after : undefined,
          through: hits.length === p.size ? last?.sort : undefined,
        };
        return { value: page, ids: page.items.map((i) => i.id), scope: [resultScope(p, stretch)] };
      },
      { revalidate: async (entry, since) => !(await this.writtenSince(p, entry.ids, since)) },
    );
    return { ...value, cache: layer };
  }
}
