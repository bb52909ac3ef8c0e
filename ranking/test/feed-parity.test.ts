import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeedModel } from '../src/feed-model.js';
import { listVersions, resolveArtifact } from '../src/model-registry.js';

const modelDir = resolve(import.meta.dirname, '../../models');

describe('feed model: serving parity with training', () => {
  it('onnxruntime-node scores the parity rows exactly as LightGBM did (models/pipeline/train_feed.py)', async () => {
    const version = listVersions(modelDir, 'feed-ltr').at(-1);
    expect(version, 'a feed model is shipped in models/feed-ltr').toBeDefined();
    const artifact = resolveArtifact(modelDir, 'feed-ltr', version!);
    const parity = JSON.parse(readFileSync(join(artifact.dir, 'parity.json'), 'utf8')) as {
      features: number[][];
      lightgbm_scores: number[];
    };
    expect(parity.features.length).toBeGreaterThan(10);
    const model = await FeedModel.load(artifact);
    const scores = await model.score(parity.features);
    expect(Math.max(...scores.map((s, i) => Math.abs(s - parity.lightgbm_scores[i]!)))).toBeLessThan(1e-4);
    await model.close();
  });

  it('ignores the columns it was trained without (train_feed.py --drop-features, manifest features_unused)', async () => {
    const version = listVersions(modelDir, 'feed-ltr').at(-1)!;
    const artifact = resolveArtifact(modelDir, 'feed-ltr', version);
    const unused = (artifact.manifest.training_data['features_unused'] ?? []) as string[];
    const columns = unused.map((c) => artifact.manifest.feature_names.indexOf(c));
    expect(columns.every((c) => c >= 0)).toBe(true);
    const rows = (JSON.parse(readFileSync(join(artifact.dir, 'parity.json'), 'utf8')) as { features: number[][] })
      .features;
    // Each row gets another row's values in the unused columns (the parity rows span their real range).
    const moved = rows.map((row, i) => row.map((v, c) => (columns.includes(c) ? rows[rows.length - 1 - i]![c]! : v)));
    const model = await FeedModel.load(artifact);
    expect(await model.score(moved)).toEqual(await model.score(rows));
    await model.close();
  });

  it('refuses a model trained on another feature spec', async () => {
    const version = listVersions(modelDir, 'feed-ltr').at(-1)!;
    const artifact = resolveArtifact(modelDir, 'feed-ltr', version);
    const other = { ...artifact, manifest: { ...artifact.manifest, feature_spec_sha256: '0'.repeat(64) } };
    await expect(FeedModel.load(other)).rejects.toThrow(/feature spec/);
  });
});
