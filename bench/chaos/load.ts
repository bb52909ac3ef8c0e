import { Pool } from 'undici';
import type { Listing, ListingChangeEvent } from '../../core/src/index.js';
import { seededRandom } from '../../core/src/index.js';
import { generateListing } from '../../indexer/src/sources/generator.js';

export type Phase = 'before' | 'during' | 'after';
export type Kind = 'search' | 'feed' | 'similar' | 'events' | 'changes' | 'live';

/** One request of the run: what it was, when, in which phase, and how it ended (status 0 = connection error, -1 = client timeout). */
export interface RequestRecord {
  kind: Kind;
  phase: Phase;
  at: number;
  ms: number;
  status: number;
}

/** One listing change as sent: accepted when its request got a 2xx. */
export interface SentChange {
  id: string;
  version: number;
  /** An older version sent after a newer one (a late event): it must never win. */
  late: boolean;
  /** A change Elasticsearch must reject (like_count over its integer range): it belongs in the DLQ. */
  poison: boolean;
  accepted: boolean;
  /** The status its request got (0 / -1: no answer). */
  status?: number;
}

export interface LoadOptions {
  bases: string[];
  prefix: string;
  listings: number;
  changesPerSecond: number;
  searchesPerSecond: number;
  clientTimeoutMs: number;
  keys: { ingest: string; app: string };
  seed?: number;
}

const EVENTS_PER_REQUEST = 5;
const QUERIES = ['dress', 'jacket', 'shoes', 'bag', 'vintage', 'leather', 'lamp', 'phone', 'jeans', 'watch'];
const SORTS = ['relevance', 'newest', 'price_asc', 'price_desc', 'popular'];
const FILTERS = ['', '&condition=new,like_new', '&price_min=1000&price_max=20000', '&shipping_payer=seller'];

/**
 * The chaos run's steady mixed load: listing changes (unique ids, increasing versions, a few late and
 * a few poison ones), searches across sorts and filters, feed, similar, interaction events and a
 * liveness probe (its latency is the event loop's health). Open loop: each stream sends on its own
 * clock whatever happened to earlier requests, so a stall shows as latency, not as fewer requests.
 * Every request and every change is recorded for the history check.
 */
export class ChaosLoad {
  phase: Phase = 'before';
  readonly records: RequestRecord[] = [];
  readonly changes: SentChange[] = [];
  private readonly latest = new Map<string, number>();
  private readonly pools: Pool[];
  private readonly random: () => number;
  private timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<void>>();
  private next = 0;

  constructor(private readonly opts: LoadOptions) {
    this.pools = opts.bases.map((b) => new Pool(b, { connections: 32 }));
    this.random = seededRandom(opts.seed ?? 7);
  }

  id(i: number): string {
    return `${this.opts.prefix}-${i}`;
  }

  /** Every listing of the run at version 2, in one request per 500 (sent before the load, not recorded). */
  seedEvents(): ListingChangeEvent[] {
    return Array.from({ length: this.opts.listings }, (_, i) => {
      this.latest.set(this.id(i), 2);
      return this.upsert(i, 2, false);
    });
  }

  start(): void {
    const every = (perSecond: number, fn: () => void) => {
      const interval = 1000 / perSecond;
      const started = performance.now();
      let sent = 0;
      const timer = setInterval(() => {
        while (started + sent * interval <= performance.now()) {
          sent++;
          fn();
        }
      }, 5);
      this.timers.push(timer);
    };
    every(this.opts.changesPerSecond / EVENTS_PER_REQUEST, () => this.sendChanges());
    every(this.opts.searchesPerSecond, () => this.send('search', 'GET', this.searchPath()));
    every(3, () => this.send('feed', 'GET', '/v1/feed?size=20'));
    every(3, () => this.send('similar', 'GET', `/v1/listings/${this.id(this.pick())}/similar?size=10`));
    every(3, () => this.sendEvents());
    every(4, () => this.send('live', 'GET', '/health/live'));
  }

  /** Stops sending and waits for the requests in flight (each bounded by the client timeout). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
  }

  private pick(): number {
    return Math.floor(this.random() * this.opts.listings);
  }

  private upsert(i: number, version: number, poison: boolean): ListingChangeEvent {
    const base: Listing = generateListing(i, 42);
    const listing: Listing = {
      ...base,
      id: this.id(i),
      status: 'on_sale',
      title: `${base.title} v${version}`,
      price: version * 10,
      // Over Elasticsearch's integer range (the schema allows it): a change the index must reject.
      like_count: poison ? 2 ** 31 + version : base.like_count,
    };
    return { op: 'upsert', listing_id: listing.id, version, listing, emitted_at: new Date().toISOString() };
  }

  private sendChanges(): void {
    const events: ListingChangeEvent[] = [];
    const sent: SentChange[] = [];
    for (let k = 0; k < EVENTS_PER_REQUEST; k++) {
      const i = this.pick();
      const id = this.id(i);
      const current = this.latest.get(id) ?? 2;
      const r = this.random();
      // Versions of ordinary changes are even; a late event takes the odd version just below the newest,
      // so it is always older than something already sent and can be told apart if it ever wins.
      if (r < 0.05 && current >= 4) {
        events.push(this.upsert(i, current - 1, false));
        sent.push({ id, version: current - 1, late: true, poison: false, accepted: false });
      } else if (r > 0.99) {
        // A poison change goes alone: if the API refuses it (400), it must not take good changes with it.
        const version = current + 2;
        this.latest.set(id, version);
        this.postChanges(
          [this.upsert(i, version, true)],
          [{ id, version, late: false, poison: true, accepted: false }],
        );
      } else {
        const version = current + 2;
        this.latest.set(id, version);
        events.push(this.upsert(i, version, false));
        sent.push({ id, version, late: false, poison: false, accepted: false });
      }
    }
    if (events.length > 0) this.postChanges(events, sent);
  }

  private postChanges(events: ListingChangeEvent[], sent: SentChange[]): void {
    this.changes.push(...sent);
    this.send(
      'changes',
      'POST',
      '/v1/listings/changes',
      JSON.stringify({ events }),
      { 'x-api-key': this.opts.keys.ingest },
      (ok, status) => {
        for (const s of sent) {
          s.accepted = ok;
          s.status = status;
        }
      },
    );
  }

  private sendEvents(): void {
    const ts = new Date().toISOString();
    const user = `chaos-user-${Math.floor(this.random() * 50)}`;
    const events = [
      { user_id: user, type: 'view', listing_id: this.id(this.pick()), ts },
      { user_id: user, type: 'search', query: QUERIES[this.pick() % QUERIES.length], ts },
    ];
    this.send('events', 'POST', '/v1/events', JSON.stringify({ events }), { 'x-api-key': this.opts.keys.app });
  }

  private searchPath(): string {
    const n = this.next++;
    const q = QUERIES[n % QUERIES.length]!;
    const sort = SORTS[Math.floor(n / QUERIES.length) % SORTS.length]!;
    const filter = FILTERS[Math.floor(n / 7) % FILTERS.length]!;
    return `/v1/search?q=${q}&sort=${sort}${filter}&size=20`;
  }

  private send(
    kind: Kind,
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    headers: Record<string, string> = {},
    done?: (ok: boolean, status: number) => void,
  ): void {
    const at = performance.now();
    const phase = this.phase;
    const pool = this.pools[this.next % this.pools.length]!;
    const p = pool
      .request({
        method,
        path,
        body,
        headers: body ? { 'content-type': 'application/json', ...headers } : headers,
        signal: AbortSignal.timeout(this.opts.clientTimeoutMs),
      })
      .then(async (res) => {
        await res.body.dump();
        return res.statusCode;
      })
      .catch((err: Error) => (err.name === 'TimeoutError' || err.name === 'AbortError' ? -1 : 0))
      .then((status) => {
        this.records.push({ kind, phase, at, ms: performance.now() - at, status });
        done?.(status >= 200 && status < 300, status);
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
