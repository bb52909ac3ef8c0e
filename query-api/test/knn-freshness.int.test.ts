import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, type Listing, type ListingDocument } from '../../core/src/index.js';
import { TextEmbedder } from '../../core/src/text-embedder.js';
import { EmbeddingStep } from '../../indexer/src/embedding-step.js';
import { startIndexerWorker, type IndexerWorker } from '../../indexer/src/worker.js';
import { silentLogger } from '../../indexer/test/support.js';
import {
  CHANGED_LISTING_FIELDS,
  MatchMemo,
  scopeMatches,
  toChangedListing,
  type EntryScope,
} from '../src/cache/entry-scope.js';
import { appWithCatalog, AS_OPERATOR, FIXED, publishListing, search, type TestApp } from './fixtures.js';

// Freshness through the cache for a listing that enters a cached relevance window only as a kNN
// candidate (no word in common with the query): the indexer's embedding step announces its vector once
// kNN sees it, and the pods correct the windows it may enter by cosine (EntryScope.knn). Without that,
// the cached window hides it until the entry expires (CACHE_TTL_SECONDS, 30 s here).
const modelDir = resolve(import.meta.dirname, '../../.data/models/all-minilm-l6-v2-q');
const hasModel = existsSync(join(modelDir, 'model.onnx'));
if (!hasModel)
  console.warn(
    `skipping kNN freshness tests: no embedding model in ${modelDir} (run scripts/fetch-embedding-model.sh)`,
  );

// "handheld cellular device" shares no word (stem, typo or synonym) with the phone below, whose category
// says "Cell Phones & Smartphones": BM25 cannot find it, the lexical matcher cannot flag it.
const QUERY = { q: 'handheld cellular device', size: 100 };
const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id);

describe.skipIf(!hasModel)('freshness through the cache, kNN candidates', () => {
  let t: TestApp;
  let indexer: IndexerWorker;
  let embedder: TextEmbedder;
  let step: EmbeddingStep;
  beforeAll(async () => {
    // k = 5 of ~50 listings: the window records a cosine bound, not 'any' (fewer than k hits).
    t = await appWithCatalog(40, {
      CACHE_TTL_SECONDS: '30',
      INDEXER_FLUSH_MS: '5',
      EMBEDDING_MODEL_DIR: modelDir,
      KNN_CANDIDATES: '5',
    });
    embedder = await TextEmbedder.load({ dir: modelDir, threads: 1 });
    const alias = t.config.elasticsearch.alias;
    const catalog = new EmbeddingStep(t.es, embedder, { alias, batch: 64, idleMs: 100 });
    while ((await catalog.sweep()) > 0) {
      /* until every listing has its vector */
    }
    await t.es.indices.refresh({ index: alias });
    indexer = await startIndexerWorker(t.config, t.es, silentLogger);
    // As indexer/src/main.ts wires it: vectors announced on the change channel once kNN sees them.
    step = new EmbeddingStep(t.es, embedder, {
      alias,
      batch: 32,
      idleMs: 100,
      onSearchable: (changed) => indexer.notifyVectors(changed),
    });
    step.start();
  }, 120_000);
  afterAll(async () => {
    await step?.stop();
    await indexer?.close();
    await embedder?.close();
    await t?.close();
  });

  it('a new listing entering a cached relevance window only by kNN appears within a few seconds', async () => {
    const first = await search(t.app, QUERY);
    expect(first.body.retrieval).toBe('hybrid');
    expect((await search(t.app, QUERY)).headers['x-cache']).toBe('memory');
    // The entry as every pod reads it from Redis: its scope holds a cosine bound (k hits under the filters).
    const [entryKey] = await t.app.redis.keys(`${redisKeys(t.config.redis.namespace).cacheEntry('')}*search:*`);
    const stored = JSON.parse((await t.app.redis.get(entryKey!))!) as { scope: EntryScope[] };
    expect(typeof stored.scope[0]!.knn?.minCosine).toBe('number');
    const phone: Listing = {
      ...FIXED[6]!,
      id: 'new-pixel',
      title: 'Google Pixel 7 smartphone 128GB',
      brand: 'Google',
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    };
    const since = Date.now();
    expect(await publishListing(t.app, phone, since)).toBe(202);
    let lag = Infinity;
    while (Date.now() - since < 10_000) {
      if (ids((await search(t.app, QUERY)).body).includes(phone.id)) {
        lag = Date.now() - since;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // Text indexed and refreshed, embedded, vector refreshed, announced, window recomputed: about 2-3 s.
    expect(lag, 'ms from the change event until the cached API showed it').toBeLessThan(5000);
    // The correction says why: the kNN bound, not the words.
    const metrics = (await t.app.inject({ url: '/metrics', headers: AS_OPERATOR })).body;
    expect(metrics).toMatch(/api_cache_scope_matches_total\{cause="knn_bound"\} [1-9]/);
    expect(metrics).not.toMatch(/api_cache_scope_matches_total\{cause="words"\}/);

    // It came in by kNN alone: not a BM25 hit, and the words-only scope would not have let it in.
    const explain = await t.app.inject({
      url: `/v1/search/explain?q=${encodeURIComponent(QUERY.q)}&size=100`,
      headers: AS_OPERATOR,
    });
    const row = explain.json().explain.find((r: { id: string }) => r.id === phone.id);
    expect(row).toMatchObject({ bm25_rank: null });
    expect(row.knn_rank).not.toBeNull();
    const doc = await t.es.get<ListingDocument>({
      index: t.config.elasticsearch.alias,
      id: phone.id,
      _source: CHANGED_LISTING_FIELDS,
    });
    const changed = toChangedListing(doc._source!);
    expect(changed.embedding).toBeDefined();
    expect(scopeMatches({ status: 'on_sale', q: QUERY.q }, changed, new MatchMemo())).toBeUndefined();
  });
});
