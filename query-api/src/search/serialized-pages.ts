import { LRUCache } from 'lru-cache';

/** How a body serialized with took_ms 0 ends: took_ms, the one field that differs between two answers with the same page, must come last. */
const TOOK_LAST = '"took_ms":0}';

/**
 * Response bodies of first pages, serialized once per page and reused as bytes. A cache hit answers
 * with the same JSON every time but for `took_ms`, and serializing twenty listings and the facets
 * again was a fifth of a hit's CPU (docs/benchmarks.md). Keys name one computation of a page (its
 * query_id and size): a listing change makes a new computation with a new id, so a body kept here
 * can never show a sold or deleted listing again; old bodies just age out.
 */
export class SerializedPages {
  private readonly bodies: LRUCache<string, Buffer>;

  constructor(opts: { max: number; maxBytes: number; ttlMs: number }) {
    this.bodies = new LRUCache({
      max: Math.max(1, opts.max),
      maxSize: Math.max(1, opts.maxBytes),
      sizeCalculation: (b) => Math.max(1, b.length),
      ttl: Math.max(1, opts.ttlMs),
    });
  }

  /**
   * The body for `page` with `tookMs` in it. `serialize` is the route's response serializer; it is
   * called with took_ms 0 the first time a key is seen.
   */
  body<T extends { took_ms: number }>(key: string, page: T, tookMs: number, serialize: (page: T) => string): Buffer {
    let head = this.bodies.get(key);
    if (!head) {
      const json = serialize({ ...page, took_ms: 0 });
      if (!json.endsWith(TOOK_LAST)) throw new Error('the response schema must list took_ms last');
      head = Buffer.from(json.slice(0, -'0}'.length));
      this.bodies.set(key, head);
    }
    return Buffer.concat([head, Buffer.from(`${tookMs}}`)]);
  }
}
