import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeContentCandidates,
  readContentCandidates,
  storeContentCandidates,
  toListingDocument,
  toTombstone,
  type Listing,
} from '../../../core/src/index.js';
import { generateListings } from '../../../indexer/src/sources/generator.js';
import { appWithCatalog, AS_APP, type TestApp } from '../fixtures.js';

/**
 * Similar lists from stored content candidates (core/src/similar-content.ts): a list the API computes
 * stores its listing's candidates, the next one (after a change dropped the cached list, or on another
 * pod) reads them and scores only the listings written since, and shows what scoring the whole leaf
 * would have shown.
 */
let t: TestApp;
let loadedAt = 0;
const catalog = [...generateListings({ count: 1500, seed: 11 })];
beforeAll(async () => {
  t = await appWithCatalog(1500);
  loadedAt = Date.now();
});
afterAll(async () => t.close());

type Item = { id: string; reasons: string[] };
const similar = async (id: string, size = 12) => {
  const res = await t.app.inject({ url: `/v1/listings/${id}/similar?size=${size}`, headers: AS_APP });
  expect(res.statusCode).toBe(200);
  return res.json().items as Item[];
};
/** The listing's next list, computed again (its cached list dropped, as a change of the listing would). */
const again = async (id: string, size = 12) => {
  await t.app.cache.invalidateListings([id]);
  return similar(id, size);
};
const computed = async (source: 'record' | 'computed') =>
  (await t.app.metrics.similarContent.get()).values.find((v) => v.labels.source === source)?.value ?? 0;
const records = (ids: string[]) => readContentCandidates(t.app.redis, t.config.redis.namespace, ids);
const versions = new Map<string, number>();
const write = async (l: Listing) => {
  const version = (versions.get(l.id) ?? 1) + 1;
  versions.set(l.id, version);
  const doc = toListingDocument(l, version, new Date().toISOString());
  await t.es.index({
    index: t.config.elasticsearch.alias,
    id: l.id,
    document: doc,
    version,
    version_type: 'external',
    refresh: true,
  });
};
const onSale = catalog.filter((l) => l.status === 'on_sale' && l.brand && l.size);

describe('similar items from stored content candidates', () => {
  it('stores what a full scoring found, then reads it for the same list', async () => {
    const ids = onSale.slice(0, 12).map((l) => l.id);
    const first = new Map<string, Item[]>();
    const before = await computed('computed');
    for (const id of ids) first.set(id, await similar(id));
    expect((await computed('computed')) - before).toBe(ids.length);
    expect([...(await records(ids)).keys()].sort()).toEqual([...ids].sort());

    const fromRecords = await computed('record');
    for (const id of ids) expect(await again(id)).toEqual(first.get(id));
    expect((await computed('record')) - fromRecords).toBe(ids.length);
  });

  it("reads the indexer's records (48 candidates) with the same result as scoring the leaf", async () => {
    const ids = onSale.slice(12, 24).map((l) => l.id);
    const full = new Map<string, Item[]>();
    for (const id of ids) full.set(id, await similar(id, 20));
    const docs = onSale.slice(12, 24).map((l) => toListingDocument(l, 1, l.updated_at));
    const made = await computeContentCandidates(t.es, t.config.elasticsearch.alias, docs, 1500 + 10);
    await storeContentCandidates(
      t.app.redis,
      t.config.redis.namespace,
      made.map((r, i) => [ids[i]!, r]),
    );
    const fromRecords = await computed('record');
    for (const id of ids) expect(await again(id, 20)).toEqual(full.get(id));
    expect((await computed('record')) - fromRecords).toBe(ids.length);
  });

  it('shows a listing written after the record was computed, and no longer one sold since', async () => {
    // Words the generated catalog never uses, so text likeness decides (and a few more listings
    // change no term's rarity).
    const fleece = (id: string, title: string, seller = 'seller-f'): Listing => ({
      ...onSale[30]!,
      id,
      title,
      seller_id: seller,
      category_path: ['Men', 'Tops', 'Hoodies'],
    });
    await write(fleece('fl-1', 'Synchilla snap fleece pullover'));
    await write(fleece('fl-2', 'Synchilla fleece vest', 'seller-g'));
    await write(fleece('fl-3', 'Synchilla snap pullover', 'seller-h'));
    const shown = await similar('fl-1');
    expect(shown.map((i) => i.id)).toEqual(expect.arrayContaining(['fl-2', 'fl-3']));
    expect((await records(['fl-1'])).has('fl-1')).toBe(true);

    await write(fleece('fl-4', 'Synchilla snap fleece pullover', 'seller-i'));
    await write({ ...fleece('fl-2', 'Synchilla fleece vest', 'seller-g'), status: 'sold' });
    const fromRecords = await computed('record');
    const next = await again('fl-1');
    expect((await computed('record')) - fromRecords).toBe(1);
    // Found by the content query (its text), not only as one of the most liked of its size or brand.
    expect(next.find((i) => i.id === 'fl-4')?.reasons).toContain('similar_text');
    expect(next.find((i) => i.id === 'fl-3')?.reasons).toContain('similar_text');
    expect(next.map((i) => i.id)).not.toContain('fl-2');
  });

  it('scores the leaf again for a re-worded listing', async () => {
    const subject = onSale[40]!;
    await similar(subject.id);
    await write({ ...subject, title: `${subject.title} vintage` });
    const full = await computed('computed');
    await again(subject.id);
    expect((await computed('computed')) - full).toBe(1);
    // ...and stores the new wording's record.
    expect((await records([subject.id])).get(subject.id)!.at).toBeGreaterThan(Date.now() - 5000);
  });

  it('scores the leaf again when most of the record sold since', async () => {
    // A record computed within 2.5 s of the catalog's writes would search them all again as "written since".
    await new Promise((r) => setTimeout(r, Math.max(0, loadedAt + 2600 - Date.now())));
    const subject = onSale[42]!;
    await similar(subject.id);
    const record = (await records([subject.id])).get(subject.id)!;
    expect(record.c.length).toBe(record.kept);
    const members = record.c.map(([x]) => catalog.find((l) => l.id === x)).filter((l) => l && l.id !== subject.id);
    for (const l of members.slice(0, Math.ceil(record.kept / 2) + 1)) await write({ ...l!, status: 'sold' });
    const full = await computed('computed');
    await again(subject.id);
    expect((await computed('computed')) - full).toBe(1);
  });

  it('reads a record it cannot use (not JSON, or another format) as missing: the leaf is scored and the record rewritten', async () => {
    const [a, b] = [onSale[43]!, onSale[44]!];
    const key = (x: string) => `${t.config.redis.namespace}:similar-content:${x}`;
    await t.app.redis.set(key(a.id), 'not json');
    await t.app.redis.set(key(b.id), JSON.stringify({ key: 'x', at: Date.now(), kept: 48, c: [] }));
    const full = await computed('computed');
    expect((await similar(a.id)).length).toBeGreaterThan(0);
    expect((await similar(b.id)).length).toBeGreaterThan(0);
    expect((await computed('computed')) - full).toBe(2);
    expect([...(await records([a.id, b.id])).keys()].sort()).toEqual([a.id, b.id].sort());
  });

  it('answers 404 for a deleted listing that still has a record', async () => {
    const subject = onSale[41]!;
    await similar(subject.id);
    expect((await records([subject.id])).has(subject.id)).toBe(true);
    await t.es.index({
      index: t.config.elasticsearch.alias,
      id: subject.id,
      document: toTombstone(subject.id, 50, new Date().toISOString()),
      version: 50,
      version_type: 'external',
      refresh: true,
    });
    await t.app.cache.invalidateListings([subject.id]);
    const res = await t.app.inject({ url: `/v1/listings/${subject.id}/similar`, headers: AS_APP });
    expect(res.statusCode).toBe(404);
  });
});
