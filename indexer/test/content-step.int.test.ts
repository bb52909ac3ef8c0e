import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeContentCandidates,
  readContentCandidates,
  toListingDocument,
  toTombstone,
  type ListingTombstone,
  type Listing,
} from '../../core/src/index.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { cleanupRedis, dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { testListing } from '../../test/support/listing.js';
import { ContentStep, type ContentStepOptions } from '../src/content-step.js';

const shoe = (i: number, patch: Partial<Listing> = {}) =>
  testListing({
    id: `c-${i}`,
    title: ['red leather boots', 'red suede boots', 'black leather boots', 'leather ankle boots'][i % 4]!,
    brand: i % 2 ? 'Clarks' : 'Ecco',
    size: String(38 + (i % 3)),
    category_path: ['Women', 'Shoes', 'Boots'],
    ...patch,
  });

describe('indexer content step', () => {
  const config = testConfig();
  const es = esClient(config);
  const redis = new Redis(config.redis.url);
  const alias = config.elasticsearch.alias;
  const namespace = config.redis.namespace;
  const versions = new Map<string, number>();
  const write = async (docs: Array<ReturnType<typeof toListingDocument> | ListingTombstone>) => {
    const res = await es.bulk({
      refresh: true,
      operations: docs.flatMap((d) => [
        { index: { _index: alias, _id: d.id, version: d.version, version_type: 'external' as const } },
        d,
      ]),
    });
    expect(res.errors).toBe(false);
  };
  const upsert = (l: Listing) => {
    const v = (versions.get(l.id) ?? 0) + 1;
    versions.set(l.id, v);
    return toListingDocument(l, v, new Date().toISOString());
  };
  const options = (patch: Partial<ContentStepOptions> = {}): ContentStepOptions => ({
    alias,
    namespace,
    batch: 7,
    idleMs: 50,
    settleMs: 0,
    backfill: true,
    ...patch,
  });
  /** A new step (as after a restart) sweeping until it reaches now; what its sweeps reported, summed. */
  const drain = async () => {
    const seen = { computed: 0, unchanged: 0, skipped: 0, removed: 0 };
    const s = new ContentStep(
      es,
      redis,
      options({
        onBatch: (b) => {
          seen.computed += b.computed;
          seen.unchanged += b.unchanged;
          seen.skipped += b.skipped;
          seen.removed += b.removed;
        },
      }),
    );
    while ((await s.sweep()) > 0);
    await s.stop();
    return seen;
  };

  beforeAll(async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    await write(Array.from({ length: 20 }, (_, i) => upsert(shoe(i))));
  });
  afterAll(async () => {
    await dropIndices(es, alias);
    await cleanupRedis(config);
    redis.disconnect();
    await es.close();
  });

  it('records every listing from a backfill, each as the content query answers it', async () => {
    expect(await drain()).toEqual({ computed: 20, unchanged: 0, skipped: 0, removed: 0 });
    const ids = Array.from({ length: 20 }, (_, i) => `c-${i}`);
    const records = await readContentCandidates(redis, namespace, ids);
    expect([...records.keys()].sort()).toEqual([...ids].sort());
    const doc = toListingDocument(shoe(0), 1, '');
    const [direct] = await computeContentCandidates(es, alias, [doc], 20);
    expect(records.get('c-0')!.c).toEqual(direct!.c);
    // Text likeness is flagged: "red leather boots" reads like the other red and leather boots.
    const flagged = records
      .get('c-0')!
      .c.filter(([, , text]) => text === 1)
      .map(([x]) => x);
    expect(flagged).toContain('c-4');
  });

  it('goes on from its cursor after a restart: nothing is computed twice, and a price change costs no query', async () => {
    expect(await drain()).toEqual({ computed: 0, unchanged: 0, skipped: 0, removed: 0 });
    await write([upsert(shoe(1, { price: 500 }))]);
    expect(await drain()).toEqual({ computed: 0, unchanged: 1, skipped: 0, removed: 0 });
  });

  it('computes a re-worded listing again and drops a deleted listing`s record', async () => {
    const before = (await readContentCandidates(redis, namespace, ['c-2'])).get('c-2')!;
    await write([upsert(shoe(2, { title: 'suede ankle boots' })), toTombstone('c-3', 9, new Date().toISOString())]);
    expect(await drain()).toEqual({ computed: 1, unchanged: 0, skipped: 0, removed: 1 });
    const after = await readContentCandidates(redis, namespace, ['c-2', 'c-3']);
    expect(after.get('c-2')!.key).not.toBe(before.key);
    expect(after.get('c-2')!.at).toBeGreaterThan(before.at);
    expect(after.has('c-3')).toBe(false);
  });

  it('without a backfill starts from now and records new listings only: an update of an older one is left to the API', async () => {
    const ns = `${namespace}-nobackfill`;
    let skipped = 0;
    const s = new ContentStep(
      es,
      redis,
      options({ namespace: ns, backfill: false, onBatch: (b) => (skipped += b.skipped) }),
    );
    expect(await s.sweep()).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    const now = new Date().toISOString();
    // c-30 is new; c-5 was created long ago and only changes its price.
    await write([upsert(shoe(30, { created_at: now })), upsert(shoe(5, { price: 700 }))]);
    expect(await s.sweep()).toBe(2);
    await s.stop();
    const records = await readContentCandidates(redis, ns, ['c-0', 'c-5', 'c-30']);
    expect([...records.keys()]).toEqual(['c-30']);
    expect(skipped).toBe(1);
    await redis.del(`${ns}:similar-content-cursor`, `${ns}:similar-content:c-30`);
  });

  it('sweeps in one process at a time: a second step waits while the first holds the lease', async () => {
    await drain(); // what earlier tests wrote
    const first = new ContentStep(es, redis, options());
    const second = new ContentStep(es, redis, options());
    await write([upsert(shoe(40)), upsert(shoe(41))]);
    expect(await first.sweep()).toBe(2);
    await write([upsert(shoe(42))]);
    expect(await second.sweep()).toBe(0);
    await first.stop();
    expect(await second.sweep()).toBe(1);
    await second.stop();
  });
});
