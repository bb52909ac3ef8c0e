import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListingDocument, type Listing, type ListingDocument } from '../../core/src/index.js';
import { TextEmbedder, type EmbeddingRole } from '../../core/src/text-embedder.js';
import { EmbeddingStep } from '../src/embedding-step.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { testListing } from '../../test/support/listing.js';

const modelDir = resolve(import.meta.dirname, '../../.data/models/all-minilm-l6-v2-q');
const hasModel = existsSync(join(modelDir, 'model.onnx'));
if (!hasModel)
  console.warn(
    `skipping embedding step tests: no embedding model in ${modelDir} (run scripts/fetch-embedding-model.sh)`,
  );

const listing = (id: string, title: string): Listing => testListing({ id, title, category_path: ['Electronics'] });

describe.skipIf(!hasModel)('indexer embedding step', () => {
  const config = testConfig();
  const es = esClient(config);
  const alias = config.elasticsearch.alias;
  let embedder: TextEmbedder;
  const write = (l: Listing, version: number) =>
    es.index({
      index: alias,
      id: l.id,
      version,
      version_type: 'external',
      document: toListingDocument(l, version, l.updated_at),
      refresh: true,
    });
  const get = async (id: string) =>
    (await es.get<ListingDocument>({ index: alias, id })) as { _version?: number; _source?: ListingDocument };
  /** Whether the float vector is indexed (kNN and the step's `exists` sweep see it); the stored source omits it. */
  const indexedVector = async (id: string) => {
    await es.indices.refresh({ index: alias });
    const { count } = await es.count({
      index: alias,
      query: { bool: { filter: [{ ids: { values: [id] } }, { exists: { field: 'embedding' } }] } },
    });
    return count === 1;
  };

  beforeAll(async () => {
    await ensureListingsIndex(es, config.elasticsearch);
    embedder = await TextEmbedder.load({ dir: modelDir });
  });
  afterAll(async () => {
    await embedder?.close();
    await dropIndices(es, alias);
    await es.close();
  });

  it('finds a listing by text before its vector exists, then writes the vector at the same version', async () => {
    await write(listing('e-1', 'Wireless noise cancelling headphones'), 3);
    const byText = await es.search({ index: alias, query: { match: { title: 'headphones' } } });
    expect(byText.hits.hits.map((h) => h._id)).toEqual(['e-1']);
    expect(await indexedVector('e-1')).toBe(false);

    const step = new EmbeddingStep(es, embedder, { alias, batch: 8, idleMs: 50 });
    expect(await step.sweep()).toBe(1);
    const after = await get('e-1');
    expect(after._version).toBe(3);
    expect(Buffer.from(after._source!.embedding_int8!, 'base64')).toHaveLength(4 + 384);
    // Indexed for kNN, but not kept in the stored source (index-definition.ts: ~7 KB a document).
    expect(after._source!.embedding).toBeUndefined();
    expect(await indexedVector('e-1')).toBe(true);
    expect(after._source!.title).toBe('Wireless noise cancelling headphones');
    await es.indices.refresh({ index: alias });
    // Nothing left to embed; a replay of version 3 by the bulk writer is still refused (strict external).
    expect(await step.sweep()).toBe(0);
    await expect(write(listing('e-1', 'stale replay'), 3)).rejects.toThrow(/version_conflict/);
  });

  it('never overwrites a newer version indexed while the batch was being embedded', async () => {
    await write(listing('e-2', 'Gaming mouse'), 1);
    // The embedder is real; it only lets a newer version of the listing land mid-batch, as a racing
    // bulk write would.
    const racing = {
      embed: async (texts: string[], role: EmbeddingRole) => {
        const vectors = await embedder.embed(texts, role);
        await write(listing('e-2', 'Gaming mouse pad XXL'), 2);
        return vectors;
      },
    } as unknown as TextEmbedder;
    const outcomes: number[] = [];
    const step = new EmbeddingStep(es, racing, {
      alias,
      batch: 8,
      idleMs: 50,
      onBatch: (s) => outcomes.push(s.embedded, s.skippedNewer),
    });
    await step.sweep();
    expect(outcomes).toEqual([0, 1]);
    const doc = await get('e-2');
    expect(doc._version).toBe(2);
    expect(doc._source!.title).toBe('Gaming mouse pad XXL');
    expect(doc._source!.embedding_int8).toBeUndefined();
    expect(await indexedVector('e-2')).toBe(false);
    // The next sweep embeds the newer text.
    const next = new EmbeddingStep(es, embedder, { alias, batch: 8, idleMs: 50 });
    expect(await next.sweep()).toBe(1);
    expect(await indexedVector('e-2')).toBe(true);
  });

  it('runs as a loop until stopped, and waits while text indexing has a backlog', async () => {
    await write(listing('e-3', 'USB-C charging cable'), 1);
    let busy = true;
    const step = new EmbeddingStep(es, embedder, { alias, batch: 8, idleMs: 50, textBusy: async () => busy });
    step.start();
    await new Promise((r) => setTimeout(r, 500));
    expect((await get('e-3'))._source!.embedding_int8).toBeUndefined();
    busy = false;
    const deadline = Date.now() + 10_000;
    while (!(await get('e-3'))._source!.embedding_int8 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await step.stop();
    expect(await indexedVector('e-3')).toBe(true);
  });

  it('announces written vectors only once a kNN search finds them (the text version alone is not enough)', async () => {
    await write(listing('e-4', 'Mechanical keyboard, brown switches'), 5);
    // What the API's searchable check sees at the moment of the announcement: kNN hits for the listing.
    const seenByKnn: number[] = [];
    const announced: string[][] = [];
    const step = new EmbeddingStep(es, embedder, {
      alias,
      batch: 8,
      idleMs: 50,
      onSearchable: async (ids) => {
        const [vector] = await embedder.embed(['Mechanical keyboard'], 'query');
        const res = await es.search({
          index: alias,
          knn: {
            field: 'embedding',
            query_vector: Array.from(vector!),
            k: 5,
            num_candidates: 5,
            filter: [{ ids: { values: ids } }],
          },
          _source: false,
        });
        seenByKnn.push(res.hits.hits.length);
        announced.push(ids);
      },
    });
    const written = Date.now();
    expect(await step.sweep()).toBe(1);
    await step.stop(); // waits for the announcement
    expect(announced).toEqual([['e-4']]);
    expect(seenByKnn).toEqual([1]);
    // It waited for a refresh (1 s interval), no longer than a few polls past it.
    expect(Date.now() - written).toBeLessThan(5000);
  });
});
