import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toListingDocument } from '../../core/src/index.js';
import { generateListings } from '../../indexer/src/sources/generator.js';
import { listVersions } from '../src/model-registry.js';
import { bucketOf, RankingService, type RankEvent } from '../src/ranking-service.js';
import type { Candidate } from '../src/types.js';

const shipped = resolve(import.meta.dirname, '../../models');
const version = listVersions(shipped, 'ltr').at(-1)!;
const candidates: Candidate[] = [...generateListings({ count: 200, seed: 3 })].map((l, i) => ({
  doc: toListingDocument(l, 1, l.updated_at),
  bm25: 200 - i,
}));
const ctx = { query: 'nike sneakers', now: new Date('2026-11-01T00:00:00Z') };
const services: RankingService[] = [];

/** A private copy of the shipped model directory to break or extend. */
function modelCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'models-'));
  cpSync(join(shipped, 'ltr', version), join(dir, 'ltr', version), { recursive: true });
  return dir;
}

async function service(modelDir: string, extra: Partial<Parameters<typeof RankingService.create>[0]> = {}) {
  const events: RankEvent[] = [];
  const s = await RankingService.create({
    modelDir,
    name: 'ltr',
    version: 'latest',
    canaryPercent: 0,
    budgetMs: 1000,
    watch: false,
    onRanked: (e) => events.push(e),
    ...extra,
  });
  services.push(s);
  return { s, events };
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

describe('RankingService', () => {
  it('ranks with the shipped model and reports it', async () => {
    const { s, events } = await service(shipped);
    const r = await s.rank(candidates, ctx, { withFeatures: true });
    expect(r.ranker).toBe(`onnx:ltr@${version}`);
    expect(r.fallbackReason).toBeUndefined();
    expect([...r.order].sort((a, b) => a - b)).toEqual(candidates.map((_, i) => i));
    expect(r.features![0]).toHaveLength(s.featureNames.length);
    expect(events[0]).toMatchObject({ ranker: `onnx:ltr@${version}`, version, candidates: 200 });
  });

  it('serves a model put in its directory while running, a name with no version at start included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watched-'));
    const { s } = await service(dir, { watch: true });
    expect(s.versions().primary).toBeNull();
    // Another model's files do not concern it; its own first version does.
    cpSync(join(shipped, 'feed-ltr'), join(dir, 'feed-ltr'), { recursive: true });
    cpSync(join(shipped, 'ltr', version), join(dir, 'ltr', version), { recursive: true });
    const since = Date.now();
    while (s.versions().primary === null && Date.now() - since < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(s.versions().primary).toBe(version);
    expect((await s.rank(candidates, ctx)).ranker).toBe(`onnx:ltr@${version}`);
  });

  it('falls back to BM25 order when there is no model', async () => {
    const { s } = await service(mkdtempSync(join(tmpdir(), 'empty-')));
    const r = await s.rank(candidates, ctx);
    expect(r.ranker).toBe('bm25');
    expect(r.fallbackReason).toBe('model_unavailable');
    expect(r.order.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
  });

  it('falls back, without throwing, when the model file is corrupt', async () => {
    const dir = modelCopy();
    writeFileSync(join(dir, 'ltr', version, 'model.onnx'), 'not an onnx model');
    const { s } = await service(dir);
    const r = await s.rank(candidates, ctx);
    expect(r.fallbackReason).toBe('model_unavailable');
    expect(r.order).toHaveLength(200);
  });

  it('keeps serving the loaded model when a newer version on disk is corrupt', async () => {
    const dir = modelCopy();
    const { s } = await service(dir);
    cpSync(join(dir, 'ltr', version), join(dir, 'ltr', `${version}-b`), { recursive: true });
    writeFileSync(join(dir, 'ltr', `${version}-b`, 'model.onnx'), 'truncated');
    const during = s.rank(candidates, ctx);
    await s.reload();
    expect((await during).ranker).toBe(`onnx:ltr@${version}`);
    const r = await s.rank(candidates, ctx);
    expect(r.ranker).toBe(`onnx:ltr@${version}`);
    expect(r.fallbackReason).toBeUndefined();
  });

  it('keeps serving when the served model files are deleted, and falls back to BM25 on the next start', async () => {
    const dir = modelCopy();
    const { s } = await service(dir);
    rmSync(join(dir, 'ltr', version), { recursive: true });
    await s.reload();
    expect((await s.rank(candidates, ctx)).ranker).toBe(`onnx:ltr@${version}`);
    const { s: restarted } = await service(dir);
    const r = await restarted.rank(candidates, ctx);
    expect(r.ranker).toBe('bm25');
    expect(r.order).toHaveLength(200);
  });

  it('refuses a model trained on another feature spec', async () => {
    const dir = modelCopy();
    const manifestPath = join(dir, 'ltr', version, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, feature_spec_sha256: '0'.repeat(64) }));
    const { s } = await service(dir);
    expect(s.versions().primary).toBeNull();
    expect((await s.rank(candidates, ctx)).ranker).toBe('bm25');
  });

  it('serves BM25 when the model misses its latency budget', async () => {
    const { s } = await service(shipped, { budgetMs: 0.0001 });
    const big = Array.from({ length: 20 }, () => candidates).flat();
    const r = await s.rank(big, ctx);
    expect(r.fallbackReason).toBe('budget_exceeded');
  });

  it('splits traffic to a canary by a stable user bucket', async () => {
    const dir = modelCopy();
    cpSync(join(dir, 'ltr', version), join(dir, 'ltr', 'zz-canary'), { recursive: true });
    const { s } = await service(dir, { version, canaryVersion: 'zz-canary', canaryPercent: 30 });
    expect(s.versions()).toEqual({ primary: version, canary: 'zz-canary' });
    let canary = 0;
    for (let u = 0; u < 400; u++) {
      const r = await s.rank(candidates.slice(0, 5), ctx, { bucketKey: `user-${u}` });
      if (r.ranker.endsWith('@zz-canary')) canary++;
      expect(r.ranker.endsWith('@zz-canary')).toBe(bucketOf(`user-${u}`) < 30);
    }
    expect(canary / 400).toBeGreaterThan(0.2);
    expect(canary / 400).toBeLessThan(0.4);
    expect(bucketOf('user-7')).toBe(bucketOf('user-7'));
  });

  it('hot-reloads a newer version while serving', async () => {
    const dir = modelCopy();
    const { s } = await service(dir);
    expect(s.versions().primary).toBe(version);
    cpSync(join(dir, 'ltr', version), join(dir, 'ltr', `${version}-b`), { recursive: true });
    const during = s.rank(candidates, ctx);
    await s.reload();
    expect((await during).order).toHaveLength(200);
    expect(s.versions().primary).toBe(`${version}-b`);
    expect((await s.rank(candidates, ctx)).ranker).toBe(`onnx:ltr@${version}-b`);
  });
});
