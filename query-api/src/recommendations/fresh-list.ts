import type { Client } from '@elastic/elasticsearch';
import type { ListingDocument } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { foundSources } from '../search/mget.js';
import { ON_SALE } from '../../../core/src/index.js';
import { RECS_FIELDS } from './popular-in.js';

/** Newest listings every feed may draw from. */
export const FRESH_SIZE = 60;
/** How often the list is read again while feeds read it: a new listing joins it this long after it is searchable. */
export const FRESH_POLL_MS = 250;
/** Read again only while feeds read it this recently: an idle pod queries nothing. */
const READ_WITHIN_MS = 5_000;
/** Ids searched beyond the list's size, so the list stays full when the realtime read finds some no longer on sale. */
const MARGIN = 20;

/**
 * The newest listings on sale, the same for every feed: read every FRESH_POLL_MS while feeds read it (an
 * Elasticsearch search for the newest ids, 3-7 ms at 1M listings, then a realtime mget of those ids). Not a
 * result-cache entry: the cache does not store a value that shows a listing changed in the last second and
 * a half (it could show it as it was), and the fresh list always shows one at 2.6 new listings a second, so
 * every feed request recomputed it (500 searches a second in bench/recommendations.ts, issue 20). Here the
 * realtime mget reads every listing as the indexer last wrote it, so the list never shows a stale status or
 * price; a change notification takes the listing off at once, and the next read puts it back if it is still
 * on sale.
 */
export class FreshList {
  private docs: ListingDocument[] | undefined;
  private readAt = 0;
  private loading: Promise<ListingDocument[]> | undefined;
  /**
   * Listings changed while a read is in flight: its mget may have come before the change. Only one read runs
   * at a time and a later one sees the change, so this holds one read's worth and is cleared with it (an idle
   * pod under a bulk load keeps nothing).
   */
  private readonly changedDuringRead = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly es: Client,
    private readonly alias: string,
    onError: (err: Error) => void,
    onRead: () => void = () => undefined,
  ) {
    this.timer = setInterval(() => {
      if (Date.now() - this.readAt < READ_WITHIN_MS) this.reload().then(onRead, onError);
    }, FRESH_POLL_MS).unref();
  }

  /** The list, newest first: as last read, or read now the first time. */
  async current(): Promise<ListingDocument[]> {
    this.readAt = Date.now();
    return this.docs ?? (await this.reload());
  }

  /** Listings that changed: off the list until a read shows them as they are now. */
  drop(ids: string[]): void {
    if (this.loading) for (const id of ids) this.changedDuringRead.add(id);
    const changed = new Set(ids);
    if (this.docs) this.docs = this.docs.filter((d) => !changed.has(d.id));
  }

  close(): void {
    clearInterval(this.timer);
  }

  private reload(): Promise<ListingDocument[]> {
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
      this.changedDuringRead.clear();
    });
    return this.loading;
  }

  private async read(): Promise<ListingDocument[]> {
    // esCall: a first read that fails answers the feed request with a 503 and Retry-After, as any search does.
    const res = await esCall('search', () =>
      this.es.search({
        index: this.alias,
        query: { bool: { filter: [ON_SALE] } },
        sort: [{ created_at: 'desc' }],
        size: FRESH_SIZE + MARGIN,
        _source: false,
        track_total_hits: false,
      }),
    );
    const ids = res.hits.hits.map((h) => h._id!);
    const docs =
      ids.length > 0
        ? await esCall('mget', () => this.es.mget<ListingDocument>({ index: this.alias, ids, _source: RECS_FIELDS }))
        : undefined;
    // Changed while this read ran: the mget may have come before the change, so those wait for the next read.
    const list = (docs ? foundSources(docs) : [])
      .filter(
        (d): d is ListingDocument => d !== undefined && d.status === 'on_sale' && !this.changedDuringRead.has(d.id),
      )
      .slice(0, FRESH_SIZE);
    this.docs = list;
    return list;
  }
}
