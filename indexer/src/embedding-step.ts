import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { ListingDocument } from '../../core/src/index.js';
import { SweepLoop } from './sweep-loop.js';
import { embeddingFields, listingEmbeddingText, type TextEmbedder } from '../../core/src/text-embedder.js';

export interface EmbeddingStepOptions {
  alias: string;
  /** Listings embedded per model run and per bulk write. */
  batch: number;
  /** Wait between sweeps that found nothing to embed. */
  idleMs: number;
  onBatch?: (stats: { embedded: number; skippedNewer: number; embedMs: number; lagsMs: number[] }) => void;
  /**
   * True while text indexing has work queued: the step then waits, so embedding (CPU-heavy, on the same
   * cores) never slows the text path; a backlog of changes is written first, vectors after.
   */
  textBusy?: () => Promise<boolean>;
  /**
   * Called with the listings whose new vectors kNN searches can now find (see announceWhenSearchable):
   * the indexer publishes them as changed listings, so API pods correct cached windows they now enter.
   */
  onSearchable?: (ids: string[]) => Promise<void>;
}

/** How often, and how long at most, the step asks whether kNN searches see the vectors it wrote. */
const SEARCHABLE_POLL_MS = 100;
const SEARCHABLE_WAIT_MS = 30_000;
/**
 * Batches whose announcement may wait for a refresh at once, beside the sweeps: the loop goes on embedding
 * meanwhile (waiting out each refresh would halve a backlog's drain), but a refresh that never comes
 * (refresh_interval -1) must not pile up waiters without bound: past this many the loop waits too.
 */
const MAX_ANNOUNCING = 8;

/**
 * The batched embedding step of the indexer: text indexing never waits for the embedding model. The
 * bulk writer indexes a listing by its words (searchable at once by BM25); this loop then finds
 * listings without an `embedding` (an `exists` query, so it needs no queue of its own, survives
 * restarts and also fills a new index after a reindex), embeds them in batches and writes the vector.
 *
 * It never overwrites newer data: each write is the document as read, plus its vector, with
 * version_type external_gte at the version read. A change indexed meanwhile carries a higher version,
 * so the write is refused (409) and the next sweep embeds the newer text. The bulk writer's own writes
 * stay strictly `external`, so a replay of the version already stored is refused as before.
 */
export class EmbeddingStep {
  private readonly loop: SweepLoop;
  private readonly announcing = new Set<Promise<void>>();

  constructor(
    private readonly es: Client,
    private readonly embedder: TextEmbedder,
    private readonly opts: EmbeddingStepOptions,
    private readonly logger?: Logger,
  ) {
    const { batch, idleMs, textBusy } = opts;
    this.loop = new SweepLoop('embedding', () => this.sweep(), { batch, idleMs, busy: textBusy }, logger);
  }

  start(): void {
    this.loop.start();
  }

  /** Finishes the batch in flight, then stops; announcements still waiting for a refresh (about a second) go out first. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled(this.announcing);
  }

  /** One sweep: embeds up to `batch` listings that lack a vector. Returns how many were written. */
  async sweep(): Promise<number> {
    const res = await this.es.search<ListingDocument>({
      index: this.opts.alias,
      query: { bool: { must_not: [{ exists: { field: 'embedding' } }] } },
      size: this.opts.batch,
      version: true,
      // The oldest text first: the lag stays bounded under a backlog.
      sort: [{ indexed_at: 'asc' }],
    });
    const hits = res.hits.hits.filter((h) => h._source && typeof h._version === 'number');
    if (hits.length === 0) return 0;
    const started = performance.now();
    const vectors = await this.embedder.embed(
      hits.map((h) => listingEmbeddingText(h._source!)),
      'listing',
    );
    const embedMs = performance.now() - started;
    const bulk = await this.es.bulk({
      operations: hits.flatMap((h, i) => [
        { index: { _index: h._index, _id: h._id, version: h._version, version_type: 'external_gte' as const } },
        { ...h._source, ...embeddingFields(vectors[i]!) },
      ]),
    });
    let skippedNewer = 0;
    const written: string[] = [];
    for (const item of bulk.items) {
      const r = item.index;
      if (r?.status === 409) skippedNewer++;
      else if (r?.error)
        this.logger?.warn({ id: r._id, err: r.error.reason }, 'embedding write failed; the next sweep retries');
      else if (r?._id) written.push(r._id);
    }
    const embedded = written.length;
    if (this.opts.onSearchable && embedded > 0) {
      const announced = this.announceWhenSearchable(written, vectors[0]!).finally(() =>
        this.announcing.delete(announced),
      );
      this.announcing.add(announced);
      if (this.announcing.size > MAX_ANNOUNCING) await Promise.race(this.announcing);
    }
    const now = Date.now();
    const lagsMs = hits.map((h) => now - Date.parse(h._source!.indexed_at)).filter(Number.isFinite);
    this.opts.onBatch?.({ embedded, skippedNewer, embedMs, lagsMs });
    return hits.length;
  }

  /**
   * Announces written vectors once a kNN search finds them (after the next refresh), not when written:
   * the vector is written at the text's version, so the API pods' "searchable at this version" check
   * would pass while kNN still misses it, and a window recomputed then would be cached without the
   * listing. A filtered kNN search over just these ids (exact when the filter is that small) sees
   * precisely what the semantic retriever sees. Each listing goes as soon as it is seen; one not seen
   * within SEARCHABLE_WAIT_MS (changed again meanwhile: the rewrite has no vector yet) goes anyway: a
   * needless check, never a missed one.
   */
  private async announceWhenSearchable(ids: string[], probe: ArrayLike<number>): Promise<void> {
    const announce = (batch: string[]) =>
      this.opts.onSearchable!(batch).catch((err: Error) =>
        this.logger?.warn({ err: err.message }, 'could not announce new vectors'),
      );
    const waiting = new Set(ids);
    const deadline = Date.now() + SEARCHABLE_WAIT_MS;
    while (waiting.size > 0 && Date.now() < deadline) {
      const res = await this.es
        .search({
          index: this.opts.alias,
          knn: {
            field: 'embedding',
            query_vector: Array.from(probe),
            k: waiting.size,
            num_candidates: waiting.size,
            filter: [{ ids: { values: [...waiting] } }],
          },
          size: waiting.size,
          _source: false,
        })
        .catch(() => undefined);
      const seen = (res?.hits.hits ?? []).flatMap((h) => (h._id && waiting.delete(h._id) ? [h._id] : []));
      if (seen.length > 0) await announce(seen);
      if (waiting.size > 0) await new Promise((r) => setTimeout(r, SEARCHABLE_POLL_MS));
    }
    if (waiting.size > 0) await announce([...waiting]);
  }
}
