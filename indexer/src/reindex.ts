import type { Client, estypes } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  Listing,
  physicalIndexName,
  toListingDocument,
  type Config,
  type Listing as ListingT,
} from '../../core/src/index.js';
import { notifyIndexSwapped } from '../../core/src/pipeline/change-notifications.js';
import { aliasTargets, createPhysicalIndex } from '../../core/src/pipeline/index-admin.js';
import { queueNames, redisKeys } from '../../core/src/redis-keys.js';
import { openListingSource, type SourceSpec } from './sources/open-source.js';
import { upsertEvent } from './sources/to-events.js';
import { WriteTargets } from './write-targets.js';

export interface ReindexResult {
  from: string[];
  to: string;
  copied: number;
  skippedNewer: number;
}

/** Time for every worker to see the new write target and for bulks already in flight to land. */
const SETTLE_MS = WriteTargets.REFRESH_MS * 4 + 1000;
const PAGE = 1000;

/**
 * Zero-downtime reindex: build a new physical index with the current definition while workers write
 * every live change to both indices, copy the source into it with external versions (a live write that
 * is newer always wins over the copy; from a file, the current index is merged in afterwards the same
 * way), then swap the alias in one atomic updateAliases call. Searches go
 * to the old index until the swap and to the new one after it; no moment without an index.
 */
export async function reindex(
  es: Client,
  redis: Redis,
  config: Config,
  logger: Logger,
  opts: { source?: SourceSpec; keepOld?: boolean } = {},
): Promise<ReindexResult> {
  const alias = config.elasticsearch.alias;
  const names = queueNames(config);
  const from = await aliasTargets(es, alias);
  const to = await createPhysicalIndex(es, config.elasticsearch, physicalIndexName(alias));
  const targets = new WriteTargets(redis, redisKeys(config.redis.namespace).changes.writeTargets(names.changes));
  await targets.add(to);
  logger.info({ from, to }, 'reindex: dual-writing live changes; waiting for workers to pick it up');
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    await es.indices.putSettings({ index: to, settings: { refresh_interval: '-1' } });
    let counts = opts.source ? await copyFromSource(es, to, opts.source) : await copyFromIndices(es, from, to);
    if (opts.source) {
      // Changes applied before the rebuild started live only in the current index; copying it too keeps
      // whichever version is newest per listing (external versions decide), so a file older than the
      // live state cannot roll anything back.
      const live = await copyFromIndices(es, from, to);
      counts = { copied: counts.copied + live.copied, skippedNewer: counts.skippedNewer + live.skippedNewer };
    }
    await es.indices.putSettings({ index: to, settings: { refresh_interval: config.elasticsearch.refreshInterval } });
    await es.indices.refresh({ index: to });
    await es.indices.updateAliases({
      actions: [
        ...from.map((index) => ({ remove: { index, alias } })),
        { add: { index: to, alias, is_write_index: true } },
      ],
    });
    logger.info({ to, ...counts }, 'reindex: alias swapped');
    // Caches drop what the old index computed (readers also re-check the alias on their own, in case
    // they missed this message).
    await notifyIndexSwapped(redis, config.redis.namespace, [to]).catch((err) =>
      logger.warn({ err }, 'reindex: swap notification failed'),
    );
    if (!opts.keepOld && from.length > 0) await es.indices.delete({ index: from.join(','), ignore_unavailable: true });
    return { from, to, ...counts };
  } catch (err) {
    await es.indices.delete({ index: to, ignore_unavailable: true }).catch(() => undefined);
    throw err;
  } finally {
    await targets.remove(to);
  }
}

async function copyFromIndices(es: Client, from: string[], to: string) {
  let copied = 0;
  let skippedNewer = 0;
  if (from.length === 0) return { copied, skippedNewer };
  await es.indices.refresh({ index: from.join(',') });
  const pit = await es.openPointInTime({ index: from.join(','), keep_alive: '2m' });
  try {
    let after: estypes.SortResults | undefined;
    for (;;) {
      const page = await es.search<Record<string, unknown>>({
        pit: { id: pit.id, keep_alive: '2m' },
        size: PAGE,
        sort: [{ _shard_doc: 'asc' }],
        ...(after ? { search_after: after } : {}),
      });
      const hits = page.hits.hits;
      if (hits.length === 0) break;
      const r = await bulkExternal(
        es,
        to,
        hits.map((h) => ({ id: h._id!, version: Number(h._source!.version ?? 1), doc: rederive(h._source!) })),
      );
      copied += r.copied;
      skippedNewer += r.skippedNewer;
      after = hits[hits.length - 1]!.sort;
    }
  } finally {
    await es.closePointInTime({ id: pit.id }).catch(() => undefined);
  }
  return { copied, skippedNewer };
}

const LISTING_FIELDS = Object.keys(Listing.properties);

/**
 * Recomputes the derived fields from the listing itself, so a reindex after a change to them (say, the
 * completion inputs) applies it to every document; tombstones are copied as they are.
 */
function rederive(source: Record<string, unknown>): Record<string, unknown> {
  if (source.status === 'deleted') return source;
  const listing = Object.fromEntries(
    LISTING_FIELDS.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]),
  ) as unknown as ListingT;
  return toListingDocument(listing, Number(source.version), String(source.emitted_at)) as unknown as Record<
    string,
    unknown
  >;
}

async function copyFromSource(es: Client, to: string, source: SourceSpec) {
  let copied = 0;
  let skippedNewer = 0;
  let batch: ExternalDoc[] = [];
  const flush = async () => {
    const r = await bulkExternal(es, to, batch);
    copied += r.copied;
    skippedNewer += r.skippedNewer;
    batch = [];
  };
  for await (const row of openListingSource(source)) {
    if (!row.ok) continue;
    const e = upsertEvent(row.listing);
    batch.push({ id: e.listing_id, version: e.version, doc: toListingDocument(row.listing, e.version, e.emitted_at) });
    if (batch.length >= PAGE) await flush();
  }
  if (batch.length > 0) await flush();
  return { copied, skippedNewer };
}

/** A document to write with its external version (a newer one already in the index wins). */
interface ExternalDoc {
  id: string;
  version: number;
  doc: object;
}

async function bulkExternal(es: Client, index: string, docs: ExternalDoc[]) {
  const res = await es.bulk({
    operations: docs.flatMap((d) => [
      { index: { _index: index, _id: d.id, version: d.version, version_type: 'external' } },
      d.doc,
    ]),
  });
  let copied = 0;
  let skippedNewer = 0;
  for (const item of res.items) {
    const r = item.index!;
    if (r.status === 409) skippedNewer++;
    else if (r.status >= 300) throw new Error(`reindex copy failed for ${r._id}: ${r.error?.type} ${r.error?.reason}`);
    else copied++;
  }
  return { copied, skippedNewer };
}
