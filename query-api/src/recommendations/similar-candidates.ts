import type { estypes } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import {
  candidatesFromHits,
  contentCandidatesQuery,
  CONTENT_CANDIDATES_MAX_AGE_MS,
  contentKey,
  NotFoundError,
  refreshIntervalMs,
  storeContentCandidates,
  type ContentCandidates,
  type ListingDocument,
} from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { ON_SALE } from '../../../core/src/index.js';
import type { Neighbours } from './neighbours.js';
import { RECS_FIELDS } from './popular-in.js';

export type CandidateHit = {
  _id?: string | null;
  _score?: number | null;
  _source?: ListingDocument;
  matched_queries?: string[] | Record<string, number>;
};

/** A similar list's listing and its candidates: the leaf's best by content, and its neighbours on sale. */
export interface SimilarCandidates {
  doc: ListingDocument;
  content: CandidateHit[];
  neighbourHits: CandidateHit[];
  /** Where the content candidates came from (metric api_similar_content_total). */
  source: 'record' | 'computed';
}

/**
 * Listings written this long before a record was computed may not have been searchable yet: the index
 * refresh (ES_REFRESH_INTERVAL, 1 s by default) and the refresh itself, plus clock skew between the
 * writers and the process that computed the record.
 */
const lookbackMs = (app: FastifyInstance) => refreshIntervalMs(app.config.elasticsearch.refreshInterval) + 1500;
/** The record's best candidates read per list: 1.5 per one needed, for those sold since. */
const RECORD_READ_SHARE = 1.5;

export const FETCH = { track_total_hits: false, _source: RECS_FIELDS };

const hitsOf = (res: estypes.MsearchResponse<ListingDocument>) =>
  res.responses.map((r) => ('hits' in r ? (r.hits.hits as CandidateHit[]) : []));

const notFound = (doc: ListingDocument | undefined): doc is undefined => !doc || (doc.status as string) === 'deleted';

/**
 * The `n` best content candidates of listing `id` (a 404 when it is unknown or deleted) and its
 * neighbours on sale: from its stored record when there is a usable one, else by scoring its leaf.
 * `onDoc` hears the listing as soon as it is read on the way to scoring its leaf, before that search.
 */
export async function similarCandidates(
  app: FastifyInstance,
  id: string,
  record: ContentCandidates | undefined,
  neighbours: Neighbours,
  catalog: number,
  n: number,
  onDoc: (doc: ListingDocument) => void = () => undefined,
): Promise<SimilarCandidates> {
  const usable =
    record &&
    Date.now() - record.at <= CONTENT_CANDIDATES_MAX_AGE_MS &&
    (record.kept >= n || record.c.length < record.kept);
  if (!usable) return candidatesOfLeaf(app, id, undefined, neighbours, catalog, n, onDoc);
  const viaRecord = await candidatesFromRecord(app, id, record, neighbours, catalog, n);
  return 'content' in viaRecord ? viaRecord : candidatesOfLeaf(app, id, viaRecord.doc, neighbours, catalog, n, onDoc);
}

/**
 * From the stored record: one msearch reads the listing itself, the record's best candidates and the
 * neighbours by id, and scores only the listings written since the record was computed (the refresh and
 * clock skew before it included) with the very same query, so a record never hides a newer listing.
 * When the listing no longer reads as recorded (re-worded, re-sized, moved), or fewer than half the
 * candidates needed are still on sale, only the listing comes back.
 */
async function candidatesFromRecord(
  app: FastifyInstance,
  id: string,
  record: ContentCandidates,
  neighbours: Neighbours,
  catalog: number,
  n: number,
): Promise<SimilarCandidates | { doc: ListingDocument }> {
  const index = app.config.elasticsearch.alias;
  const recordIds = record.c.slice(0, Math.ceil(n * RECORD_READ_SHARE)).map(([x]) => x);
  const ids = [...new Set([id, ...recordIds, ...neighbours.map((x) => x.id)])];
  const since = { range: { indexed_at: { gte: new Date(record.at - lookbackMs(app)).toISOString() } } };
  const res = await esCall('msearch', () =>
    app.es.msearch<ListingDocument>({
      searches: [
        { index },
        { ...FETCH, size: n, query: contentCandidatesQuery(record.subject, catalog, [since]) },
        // No status filter: the listing itself is read whatever its status (a sold listing's page has a list too).
        { index },
        { ...FETCH, size: ids.length, query: { ids: { values: ids } } },
      ],
    }),
  );
  const [sinceHits = [], idHits = []] = hitsOf(res);
  const doc = idHits.find((h) => h._id === id)?._source;
  if (notFound(doc)) throw new NotFoundError(`listing ${id}`);
  if (contentKey(doc) !== record.key) return { doc };
  const onSale = new Map(idHits.filter((h) => h._source?.status === 'on_sale').map((h) => [h._id, h]));
  const merged = new Map<string, CandidateHit & { score: number }>();
  for (const [x, score, text] of record.c) {
    const h = onSale.get(x);
    if (h) merged.set(x, { ...h, score, matched_queries: text ? ['similar_text'] : [] });
  }
  for (const h of sinceHits) if (h._id) merged.set(h._id, { ...h, score: h._score ?? 0 });
  // A record whose candidates mostly sold since (the leaf had more than it kept) no longer stands for it.
  if (merged.size < n / 2 && record.c.length >= record.kept) return { doc };
  const content = [...merged.values()].sort((a, b) => b.score - a.score).slice(0, n);
  const together = new Set(neighbours.map((x) => x.id));
  const neighbourHits = [...onSale.values()].filter((h) => together.has(h._id ?? ''));
  return { doc, content, neighbourHits, source: 'record' };
}

/**
 * By scoring the listing's whole leaf category (and reading its neighbours by id); the candidates are
 * stored as its record for its next list (after a change drops this one, or on another pod).
 */
async function candidatesOfLeaf(
  app: FastifyInstance,
  id: string,
  known: ListingDocument | undefined,
  neighbours: Neighbours,
  catalog: number,
  n: number,
  onDoc: (doc: ListingDocument) => void,
): Promise<SimilarCandidates> {
  const index = app.config.elasticsearch.alias;
  const doc = known ?? (await app.recentListings.read([id]))[0];
  if (notFound(doc)) throw new NotFoundError(`listing ${id}`);
  onDoc(doc);
  const searches: estypes.MsearchRequestItem[] = [
    { index },
    { ...FETCH, size: n, query: contentCandidatesQuery(doc, catalog) },
  ];
  if (neighbours.length > 0) {
    const ids = neighbours.map((x) => x.id);
    searches.push(
      { index },
      { ...FETCH, size: ids.length, query: { bool: { filter: [ON_SALE, { ids: { values: ids } }] } } },
    );
  }
  const computedAt = Date.now();
  const [content = [], neighbourHits = []] = hitsOf(
    await esCall('msearch', () => app.es.msearch<ListingDocument>({ searches })),
  );
  const record = candidatesFromHits(doc, content, n, computedAt);
  // A failed write costs only that: the list is served all the same.
  await storeContentCandidates(app.redis, app.config.redis.namespace, [[id, record]]).catch((err: Error) =>
    app.log.warn({ err: err.message, id }, 'similar: content candidates not stored'),
  );
  return { doc, content, neighbourHits, source: 'computed' };
}
