import { createHash } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { ON_SALE } from './index-definition.js';
import type { ListingDocument } from './listing-document.js';
import { redisKeys } from './redis-keys.js';
import { execPipeline } from './redis-pipeline.js';

/**
 * The content side of similar items: which listings of the same leaf category read alike (text,
 * size, brand). One home for the query, because two processes run it: the query API when it builds a
 * similar list, and the indexer, which runs it once for each new or re-worded listing and keeps the
 * answer in Redis (ContentCandidates), so that a listing page's first similar list needs no scoring
 * of the whole leaf. At 1M listings that scoring is most of a cold list's Elasticsearch CPU: a big
 * leaf holds 40,000 listings, and every one of them matches the query's filter (docs/benchmarks.md,
 * "Similar items from precomputed content candidates").
 */

type Query = estypes.QueryDslQueryContainer;

/** What the content query reads of the listing it finds look-alikes for. */
export type ContentSubject = Pick<ListingDocument, 'id' | 'title' | 'brand' | 'size' | 'category_leaf'>;

/**
 * A term in more than this share of the catalog says little about likeness ("size", "new", a big
 * brand's name) and is what makes more_like_this costly: its postings run through a good part of the
 * index. Text-likeness queries skip such terms.
 */
const MAX_DOC_FREQ_SHARE = 0.01;

/** more_like_this's max_doc_freq for a catalog of this size (never below 50, for small catalogs). */
export const rareTermsCap = (catalog: number) => Math.max(50, Math.round(catalog * MAX_DOC_FREQ_SHARE));

/**
 * The catalog's size as rareTermsCap needs it: `count` (listings in the index) asked at most once per
 * `ttlMs`. A minute old is close enough for a cap on term frequency, and saves a count per query.
 */
export function catalogCounter(count: () => Promise<number>, ttlMs = 60_000): () => Promise<number> {
  let known: { count: number; at: number } | undefined;
  return async () => {
    if (known && Date.now() - known.at < ttlMs) return known.count;
    known = { count: await count(), at: Date.now() };
    return known.count;
  };
}

/** Text likeness of a listing's title and brand, named `similar_text` so a hit says it matched. */
export function similarTextQuery(doc: ContentSubject, catalog: number): Query {
  return {
    more_like_this: {
      fields: ['title', 'brand.text'],
      like: [doc.title, doc.brand ?? ''].join(' '),
      min_term_freq: 1,
      min_doc_freq: 1,
      max_doc_freq: rareTermsCap(catalog),
      max_query_terms: 12,
      _name: 'similar_text',
    },
  };
}

/**
 * Listings on sale in the same leaf, scored by text likeness, same size and same brand (named clauses,
 * so each hit says which matched). `extraFilter` narrows it (e.g. to listings written since a time)
 * without changing any listing's score.
 */
export function contentCandidatesQuery(doc: ContentSubject, catalog: number, extraFilter: Query[] = []): Query {
  const named = (name: string, filter: Query): Query => ({ constant_score: { filter, boost: 1, _name: name } });
  const should = [
    similarTextQuery(doc, catalog),
    ...(doc.size ? [named('same_size', { term: { size: doc.size } })] : []),
    ...(doc.brand ? [named('same_brand', { term: { brand: doc.brand } })] : []),
  ];
  return { bool: { filter: [ON_SALE, { term: { category_leaf: doc.category_leaf } }, ...extraFilter], should } };
}

/**
 * A listing's content candidates as computed at `at`: the best `kept` hits of contentCandidatesQuery,
 * best first, each [id, score, 1 when its text matched]. `key` fingerprints what the query read of the
 * listing (contentKey): a re-worded, re-sized or re-categorised listing no longer matches its record.
 * Fewer than `kept` candidates means the leaf had no more.
 */
export interface ContentCandidates {
  key: string;
  /** What the query read of the listing: a reader builds the query for listings written since from it. */
  subject: ContentSubject;
  at: number;
  kept: number;
  c: Array<[string, number, 0 | 1]>;
}

/** Candidates the indexer keeps per listing: enough for a similar list of up to 24 items (2 per item). */
export const CONTENT_CANDIDATES_KEPT = 48;
/**
 * A record stands for scoring the leaf for ten minutes, then expires. Readers search the listings
 * written since the record, and that search costs with the number of listings written since, index-wide
 * (the `indexed_at` range is collected before the leaf narrows it): at 1M listings (bench/content-record-age.ts,
 * three runs) about half of scoring the whole leaf when 0.1 % of the index was written since, 70-100 %
 * of it at 1 %. Ten minutes of 225k new listings a day is ~1,600 listings, 0.16 % of 1M. It also bounds
 * how far the record's scores drift from the catalog's term statistics, and the memory: records written
 * in the last ten minutes, ~1.7 KB each with 48 candidates (~1.1 KB with 24).
 */
export const CONTENT_CANDIDATES_MAX_AGE_MS = 600_000;

/** Fingerprint of what contentCandidatesQuery reads of a listing. */
export function contentKey(doc: ContentSubject): string {
  return createHash('sha1')
    .update(JSON.stringify([doc.title, doc.brand ?? '', doc.size ?? '', doc.category_leaf]))
    .digest('base64url')
    .slice(0, 12);
}

type Hit = { _id?: string | null; _score?: number | null; matched_queries?: string[] | Record<string, number> };

/** The record a search's hits make for `doc`, when that search asked for `kept` hits of contentCandidatesQuery. */
export function candidatesFromHits(doc: ContentSubject, hits: Hit[], kept: number, at: number): ContentCandidates {
  const c: ContentCandidates['c'] = [];
  for (const h of hits) {
    if (!h._id) continue;
    const names = Array.isArray(h.matched_queries) ? h.matched_queries : Object.keys(h.matched_queries ?? {});
    c.push([h._id, Math.round((h._score ?? 0) * 1e4) / 1e4, names.includes('similar_text') ? 1 : 0]);
  }
  const { id, title, brand, size, category_leaf } = doc;
  return { key: contentKey(doc), subject: { id, title, brand, size, category_leaf }, at, kept, c };
}

/**
 * Content candidates of several listings in one msearch (ids and scores only: no document is fetched).
 * `at` is taken before the search: a listing written after it may be missing, and readers look for
 * those from `at` on.
 */
export async function computeContentCandidates(
  es: Client,
  index: string,
  docs: ContentSubject[],
  catalog: number,
  kept = CONTENT_CANDIDATES_KEPT,
): Promise<ContentCandidates[]> {
  if (docs.length === 0) return [];
  const at = Date.now();
  const searches: estypes.MsearchRequestItem[] = docs.flatMap((doc) => [
    { index },
    { size: kept, track_total_hits: false, _source: false, query: contentCandidatesQuery(doc, catalog) },
  ]);
  const res = await es.msearch({ searches });
  return res.responses.map((r, i) => {
    if (!('hits' in r)) throw new Error(`content candidates of ${docs[i]!.id}: ${JSON.stringify(r.error)}`);
    return candidatesFromHits(docs[i]!, r.hits.hits, kept, at);
  });
}

/** Stored records by listing id (one MGET); missing or unreadable ones are absent (their lists score the leaf). */
export async function readContentCandidates(
  redis: Redis,
  namespace: string,
  ids: string[],
): Promise<Map<string, ContentCandidates>> {
  const out = new Map<string, ContentCandidates>();
  if (ids.length === 0) return out;
  const keys = redisKeys(namespace);
  const values = await redis.mget(ids.map((id) => keys.contentCandidates(id)));
  values.forEach((v, i) => {
    const record = v ? parseRecord(v) : undefined;
    if (record) out.set(ids[i]!, record);
  });
  return out;
}

/** A stored record, or undefined for one that is not (a format of another version): read as missing. */
function parseRecord(json: string): ContentCandidates | undefined {
  try {
    const r = JSON.parse(json) as Partial<ContentCandidates>;
    const ok =
      typeof r.key === 'string' &&
      typeof r.at === 'number' &&
      typeof r.kept === 'number' &&
      typeof r.subject?.category_leaf === 'string' &&
      Array.isArray(r.c);
    return ok ? (r as ContentCandidates) : undefined;
  } catch {
    return undefined;
  }
}

/** Stores records (one pipeline), each expiring when it is CONTENT_CANDIDATES_MAX_AGE_MS old. */
export async function storeContentCandidates(
  redis: Redis,
  namespace: string,
  records: Array<[string, ContentCandidates]>,
): Promise<void> {
  if (records.length === 0) return;
  const keys = redisKeys(namespace);
  const tx = redis.pipeline();
  for (const [id, r] of records)
    tx.set(
      keys.contentCandidates(id),
      JSON.stringify(r),
      'PX',
      Math.max(1, r.at + CONTENT_CANDIDATES_MAX_AGE_MS - Date.now()),
    );
  await execPipeline(tx);
}
