import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  catalogCounter,
  CONTENT_CANDIDATES_MAX_AGE_MS,
  computeContentCandidates,
  contentKey,
  readContentCandidates,
  redisKeys,
  storeContentCandidates,
  type ListingDocument,
} from '../../core/src/index.js';
import { execPipeline } from '../../core/src/redis-pipeline.js';
import { Lease } from '../../core/src/lease.js';
import { SweepLoop } from './sweep-loop.js';

export interface ContentStepOptions {
  alias: string;
  namespace: string;
  /** Listings read per sweep (and content queries per msearch). */
  batch: number;
  idleMs: number;
  /**
   * How long after its `indexed_at` a change is searchable for certain (the index refresh plus clock
   * skew): the sweep stops that far behind now, so a change it passed can no longer appear behind it.
   */
  settleMs: number;
  /**
   * Without a cursor yet: sweep the whole index (true), or start from now (false: existing listings get
   * their records when their page is first viewed). While true, every listing without a record is
   * computed, not only new ones.
   */
  backfill: boolean;
  onBatch?: (stats: {
    computed: number;
    unchanged: number;
    skipped: number;
    removed: number;
    lagsMs: number[];
  }) => void;
}

const SUBJECT_FIELDS = ['id', 'title', 'brand', 'size', 'category_leaf', 'status', 'created_at', 'indexed_at'];
/**
 * Every indexer pod runs the step; one at a time sweeps (a lease), the others take over within this long
 * of it stopping. Should two ever overlap, they store the same records twice: harmless.
 */
const CONTENT_STEP_LEASE_MS = 15_000;

/**
 * The indexer's content step: keeps each listing's content candidates (core/src/similar-content.ts)
 * in Redis, so the query API's first similar list for a listing reads them instead of scoring the
 * listing's whole leaf category. It follows the index in `indexed_at` order from a cursor kept in
 * Redis (restart-safe, and it needs no queue of its own); for each listing on sale written since, it
 * runs the content query only when what the query reads (title, brand, size, leaf) changed since its
 * record, or when it is new (created within CONTENT_CANDIDATES_MAX_AGE_MS, ten minutes, the records' life)
 * and has none: so a price or like-count change costs a Redis read. A deleted listing's record goes.
 *
 * The records say when they were computed; readers look for listings written after that with the same
 * query, so a record never hides a newer listing, and this step need not revisit old records when new
 * listings arrive.
 */
export class ContentStep {
  private readonly loop: SweepLoop;
  private readonly lease: Lease;
  /** Listings in the index (more_like_this's rare-terms cap depends on it). */
  private readonly catalogSize: () => Promise<number>;

  constructor(
    private readonly es: Client,
    private readonly redis: Redis,
    private readonly opts: ContentStepOptions,
    private readonly logger?: Logger,
  ) {
    this.loop = new SweepLoop('content candidates', () => this.sweep(), opts, logger);
    this.lease = new Lease(redis, redisKeys(opts.namespace).contentCandidatesLease, CONTENT_STEP_LEASE_MS);
    this.catalogSize = catalogCounter(async () => (await es.count({ index: opts.alias })).count);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.lease.release();
  }

  /** One sweep: up to `batch` listings written after the cursor. Returns how many it read (0 while another pod holds the lease). */
  async sweep(): Promise<number> {
    if (!(await this.lease.hold())) return 0;
    const { alias, namespace, batch, settleMs } = this.opts;
    const keys = redisKeys(namespace);
    const cursorKey = keys.contentCandidatesCursor;
    const stored = await this.redis.get(cursorKey);
    const cursor = stored
      ? (JSON.parse(stored) as [number, string])
      : ([this.opts.backfill ? 0 : Date.now() - settleMs, ''] as [number, string]);
    const res = await this.es.search<ListingDocument>({
      index: alias,
      size: batch,
      _source: SUBJECT_FIELDS,
      query: { range: { indexed_at: { gte: cursor[0], lte: Date.now() - settleMs, format: 'epoch_millis' } } },
      sort: [{ indexed_at: 'asc' }, { id: 'asc' }],
      ...(cursor[1] ? { search_after: cursor } : {}),
    });
    const hits = res.hits.hits.filter((h) => h._source);
    if (hits.length === 0) {
      if (!stored) await this.redis.set(cursorKey, JSON.stringify(cursor));
      return 0;
    }
    const docs = hits.map((h) => h._source!);
    const removed = docs.filter((d) => (d.status as string) === 'deleted').map((d) => d.id);
    // Only listings on sale: a sold listing's page is rarely viewed; its list scores the leaf if it is.
    const live = docs.filter((d) => d.status === 'on_sale');
    const records = await readContentCandidates(
      this.redis,
      namespace,
      live.map((d) => d.id),
    );
    // A listing without a record is computed only when new (or when backfilling): an update of an older
    // listing (a price, a like count: the most frequent changes) would otherwise cost a query each time its
    // record has expired, for a page that may never be viewed; its first list computes and stores one.
    const recent = (d: ListingDocument) =>
      this.opts.backfill || Date.now() - Date.parse(d.created_at) <= CONTENT_CANDIDATES_MAX_AGE_MS;
    const changed: ListingDocument[] = [];
    let unchanged = 0;
    let skipped = 0;
    for (const d of live) {
      const record = records.get(d.id);
      if (record ? record.key !== contentKey(d) : recent(d)) changed.push(d);
      else if (record) unchanged++;
      else skipped++;
    }
    // The catalog's size (a count, once a minute) only when there is a query to cap.
    const catalog = changed.length > 0 ? await this.catalogSize() : 0;
    const computed = await computeContentCandidates(this.es, alias, changed, catalog);
    await storeContentCandidates(
      this.redis,
      namespace,
      computed.map((r, i) => [changed[i]!.id, r]),
    );
    const tx = this.redis.multi();
    for (const id of removed) tx.del(keys.contentCandidates(id));
    tx.set(cursorKey, JSON.stringify(hits.at(-1)!.sort));
    await execPipeline(tx);
    const now = Date.now();
    this.opts.onBatch?.({
      computed: changed.length,
      unchanged,
      skipped,
      removed: removed.length,
      lagsMs: changed.map((d) => now - Date.parse(d.indexed_at)).filter(Number.isFinite),
    });
    return hits.length;
  }
}
