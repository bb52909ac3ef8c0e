import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TextEmbedder } from '../../core/src/text-embedder.js';
import { EmbeddingStep } from '../../indexer/src/embedding-step.js';
import { appWithCatalog, AS_OPERATOR, search, type TestApp } from './fixtures.js';

// The semantic retriever end to end: listings get their vectors from the indexer's embedding step,
// the API embeds the query, unites kNN with BM25 and re-ranks. Needs the model that
// scripts/fetch-embedding-model.sh puts in .data/models (scripts/bootstrap.sh runs it).
const modelDir = resolve(import.meta.dirname, '../../.data/models/all-minilm-l6-v2-q');
const hasModel = existsSync(join(modelDir, 'model.onnx'));
if (!hasModel)
  console.warn(
    `skipping hybrid search tests: no embedding model in ${modelDir} (run scripts/fetch-embedding-model.sh)`,
  );

describe.skipIf(!hasModel)('hybrid search', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appWithCatalog(40, { EMBEDDING_MODEL_DIR: modelDir });
    const embedder = await TextEmbedder.load({ dir: modelDir });
    const step = new EmbeddingStep(t.es, embedder, { alias: t.config.elasticsearch.alias, batch: 64, idleMs: 100 });
    while ((await step.sweep()) > 0) {
      /* until every listing has its vector */
    }
    await embedder.close();
    await t.es.indices.refresh({ index: t.config.elasticsearch.alias });
  }, 60_000);
  afterAll(async () => t?.close());

  it('explains each result with its cosine and both ranks, and finds by meaning what BM25 cannot', async () => {
    const res = await t.app.inject({ url: '/v1/search/explain?q=mobile%20handset&size=50', headers: AS_OPERATOR });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.retrieval).toBe('hybrid');
    const iphone = body.explain.find((r: { id: string }) => r.id === 'fx-7');
    // "Apple iPhone 12 smartphone" shares no word with "mobile handset": only the kNN retriever finds it.
    expect(iphone).toBeDefined();
    expect(iphone.bm25_rank).toBeNull();
    expect(iphone.knn_rank).toBeLessThan(5);
    expect(iphone.semantic).toBeGreaterThan(0.3);
    expect(iphone.features.semantic_cosine).toBeCloseTo(iphone.semantic, 6);
    for (const row of body.explain) expect(typeof row.semantic).toBe('number');
  });

  it('rank=bm25 is the pure baseline: no kNN candidates and no model', async () => {
    const rank = vi.spyOn(t.app.ranking, 'rank');
    try {
      const res = await search(t.app, { q: 'nike sneakers', rank: 'bm25' });
      expect(res.status).toBe(200);
      expect(res.body.ranker).toBe('bm25');
      expect(res.body.retrieval).toBe('bm25');
      expect(rank).not.toHaveBeenCalled();
      const scores = res.body.items.map((i: { score: number }) => i.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const hybrid = await search(t.app, { q: 'nike sneakers' });
      expect(hybrid.body.retrieval).toBe('hybrid');
      expect(rank).toHaveBeenCalled();
    } finally {
      rank.mockRestore();
    }
  });

  it('rank=bm25 neither embeds the query nor records model or embedding latency', async () => {
    const { metrics } = t.app;
    /** Observations so far of a histogram (its _count samples, over every label set). */
    const observed = async (h: typeof metrics.rankerDuration) =>
      (await h.get()).values.filter((v) => v.metricName?.endsWith('_count')).reduce((sum, v) => sum + v.value, 0);
    const embed = vi.spyOn(t.app.embedder!, 'embed');
    try {
      const [ranked, embedded] = [await observed(metrics.rankerDuration), await observed(metrics.embeddingDuration)];
      // A query no other test sends, so no cached window answers in place of the computation.
      const res = await search(t.app, { q: 'grey hoodie', rank: 'bm25' });
      expect(res.status).toBe(200);
      expect(res.body.ranker).toBe('bm25');
      expect(embed).not.toHaveBeenCalled();
      expect(await observed(metrics.rankerDuration)).toBe(ranked);
      expect(await observed(metrics.embeddingDuration)).toBe(embedded);
      // The same query ranked by the model records both: the counts above can move.
      expect((await search(t.app, { q: 'grey hoodie' })).status).toBe(200);
      expect(embed).toHaveBeenCalled();
      expect(await observed(metrics.rankerDuration)).toBe(ranked + 1);
      expect(await observed(metrics.embeddingDuration)).toBe(embedded + 1);
    } finally {
      embed.mockRestore();
    }
  });
});

describe.skipIf(!hasModel)('search without the embedding model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appWithCatalog(20, { EMBEDDING_MODEL_DIR: mkdtempSync(join(tmpdir(), 'no-embedding-')) });
  });
  afterAll(async () => t?.close());

  it('serves BM25 retrieval re-ranked by the model, without failing a request', async () => {
    const res = await search(t.app, { q: 'nike sneakers' });
    expect(res.status).toBe(200);
    expect(res.body.retrieval).toBe('bm25');
    expect(res.body.ranker).not.toMatch(/fallback/);
    expect(res.body.items[0].id).toMatch(/^fx-/);
    const explain = await t.app.inject({ url: '/v1/search/explain?q=sneakers&size=3', headers: AS_OPERATOR });
    expect(explain.statusCode).toBe(200);
    expect(explain.json().explain[0].semantic).toBeNull();
  });
});
