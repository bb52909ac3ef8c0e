import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listVersions, resolveArtifact } from '../src/model-registry.js';
import { OnnxRanker } from '../src/onnx-ranker.js';

const modelDir = resolve(import.meta.dirname, '../../models');

describe('serving parity with training', () => {
  it('onnxruntime-node scores the training-side feature rows exactly as LightGBM did', async () => {
    const version = listVersions(modelDir, 'ltr').at(-1);
    expect(version, 'a default model is shipped in models/ltr').toBeDefined();
    const artifact = resolveArtifact(modelDir, 'ltr', version!);
    const parity = JSON.parse(readFileSync(join(artifact.dir, 'parity.json'), 'utf8')) as {
      features: number[][];
      lightgbm_scores: number[];
    };
    expect(parity.features.length).toBeGreaterThan(10);
    const ranker = await OnnxRanker.load(artifact);
    const scores = await ranker.score(parity.features);
    const diffs = scores.map((s, i) => Math.abs(s - parity.lightgbm_scores[i]!));
    expect(Math.max(...diffs)).toBeLessThan(1e-4);
    await ranker.close();
  });
});
