import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVersions } from '../../ranking/src/model-registry.js';
import { appWithCatalog, AS_OPERATOR, search, type TestApp } from './fixtures.js';

// The "done when": a corrupt model file falls back to BM25 without a failed request. Here the
// whole app starts on a model directory whose only model.onnx is garbage (a half-written upload).
const shipped = resolve(import.meta.dirname, '../../models');
const version = listVersions(shipped, 'ltr').at(-1)!;
let t: TestApp;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'models-'));
  cpSync(join(shipped, 'ltr', version), join(dir, 'ltr', version), { recursive: true });
  writeFileSync(join(dir, 'ltr', version, 'model.onnx'), 'not an onnx model');
  t = await appWithCatalog(100, { MODEL_DIR: dir });
});
afterAll(async () => t.close());

describe('query API with a corrupt model file', () => {
  it('serves searches in BM25 order, says so, and stays ready', async () => {
    const res = await search(t.app, { q: 'nike sneakers' });
    expect(res.status).toBe(200);
    expect(res.body.ranker).toBe('bm25 (fallback: model_unavailable)');
    expect(res.body.items.length).toBeGreaterThan(0);
    const ready = await t.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.ranker).toBe('bm25-fallback');
  });

  it('still explains results with their features', async () => {
    const res = await t.app.inject({ url: '/v1/search/explain?q=sneakers&size=3', headers: AS_OPERATOR });
    expect(res.statusCode).toBe(200);
    expect(res.json().ranker).toBe('bm25 (fallback: model_unavailable)');
    expect(res.json().explain[0].features).toHaveProperty('title_head_match');
  });
});
