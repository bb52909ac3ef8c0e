import type { Client } from '@elastic/elasticsearch';
import { LRUCache } from 'lru-cache';
import type { ListingDocument } from '../../../core/src/index.js';
import { esCall } from '../search/es-errors.js';
import { foundSources } from '../search/mget.js';
import { RECS_FIELDS } from './popular-in.js';

/**
 * Listings read lately, as a realtime get returned them (RECS_FIELDS), for the requests that read one
 * listing by id: a listing page asks for its similar items and sends a view event at once, and each
 * read that listing on its own (one more Elasticsearch request per page: an mget cost it 1.1-1.6 ms of
 * CPU one at a time, ~0.4 ms among others; docs/benchmarks.md). A change notification drops the listing
 * at once, and a read that was in flight when it came is not kept (it may have read the listing before
 * the change). The age cap bounds what a notification lost on a reconnect can leave stale, as the result
 * cache's memory layer does.
 *
 * Why not the result cache: these are documents, not answers, dropped by their own id; they need no
 * Redis, since each pod reads a listing once for the requests it serves.
 */
export class RecentListings {
  private readonly docs: LRUCache<string, ListingDocument>;
  private readonly keep: boolean;
  /** Reads in flight by id: a second request for a listing being read waits for that read. */
  private readonly inFlight = new Map<string, Promise<ListingDocument | undefined>>();
  /** The ids changed while each read in flight ran: that read answers, but is not kept. */
  private readonly changedDuring = new Set<Set<string>>();

  constructor(
    private readonly es: Client,
    private readonly alias: string,
    options: { max: number; ttlMs: number },
    private readonly count: (result: 'hit' | 'joined' | 'read') => void = () => undefined,
  ) {
    // An age cap of 0 keeps nothing (the memory layer off, CACHE_MEMORY_TTL_MS=0), where lru-cache reads it as no cap.
    this.keep = options.ttlMs > 0;
    this.docs = new LRUCache({ max: options.max, ttl: options.ttlMs, ttlAutopurge: false });
  }

  /** The listings by id, in order (undefined where none was found): from memory, or one realtime mget for the rest. */
  async read(ids: readonly string[]): Promise<Array<ListingDocument | undefined>> {
    const found = new Map<string, Promise<ListingDocument | undefined>>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const doc = this.docs.get(id);
      const pending = doc ? undefined : this.inFlight.get(id);
      if (doc) found.set(id, Promise.resolve(doc));
      else if (pending) found.set(id, pending);
      else missing.push(id);
      this.count(doc ? 'hit' : pending ? 'joined' : 'read');
    }
    if (missing.length > 0) {
      const batch = this.fetch(missing);
      missing.forEach((id, i) => {
        const one = batch.then((docs) => docs[i]);
        found.set(id, one);
        this.inFlight.set(id, one);
      });
      const settled = () => {
        for (const id of missing) if (this.inFlight.get(id) === found.get(id)) this.inFlight.delete(id);
      };
      void batch.then(settled, settled);
    }
    return Promise.all(ids.map((id) => found.get(id)!));
  }

  /** Listings that changed: read again next time; reads in flight for them are not kept. */
  drop(ids: readonly string[]): void {
    for (const id of ids) {
      this.docs.delete(id);
      this.inFlight.delete(id);
    }
    for (const changed of this.changedDuring) for (const id of ids) changed.add(id);
  }

  private async fetch(ids: string[]): Promise<Array<ListingDocument | undefined>> {
    const changed = new Set<string>();
    this.changedDuring.add(changed);
    try {
      const res = await esCall('mget', () =>
        this.es.mget<ListingDocument>({ index: this.alias, ids, _source: RECS_FIELDS }),
      );
      const docs = foundSources(res);
      docs.forEach((doc, i) => {
        if (doc && this.keep && !changed.has(ids[i]!)) this.docs.set(ids[i]!, doc);
      });
      return docs;
    } finally {
      this.changedDuring.delete(changed);
    }
  }
}
