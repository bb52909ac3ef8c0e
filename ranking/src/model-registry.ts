import { Type, type Static } from '@sinclair/typebox';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileValidator } from '../../core/src/index.js';

/** manifest.json written by models/pipeline/train.py next to each model.onnx. */
export const ModelManifest = Type.Object({
  name: Type.String(),
  version: Type.String(),
  created_at: Type.String(),
  feature_spec_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  feature_names: Type.Array(Type.String()),
  input_name: Type.String(),
  output_name: Type.String(),
  metrics: Type.Record(Type.String(), Type.Unknown()),
  training_data: Type.Record(Type.String(), Type.Unknown()),
});
export type ModelManifest = Static<typeof ModelManifest>;
const validateManifest = compileValidator(ModelManifest);

export interface ModelArtifact {
  name: string;
  version: string;
  dir: string;
  modelPath: string;
  manifest: ModelManifest;
}

/** Version names in time order, numbers compared as numbers: 2026-12-01.10 comes after 2026-12-01.9. */
const byVersion = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Model layout: `<modelDir>/<name>/<version>/{model.onnx, manifest.json}`. Version names sort in time
 * order (e.g. 2026-11-25.1); "latest" means the highest version whose manifest is valid.
 */
export function listVersions(modelDir: string, name: string): string[] {
  const dir = join(modelDir, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'manifest.json')))
    .map((d) => d.name)
    .sort(byVersion);
}

export function resolveArtifact(modelDir: string, name: string, version: string): ModelArtifact {
  const resolved = version === 'latest' ? listVersions(modelDir, name).at(-1) : version;
  if (!resolved) throw new Error(`no versions of model "${name}" in ${modelDir}`);
  const dir = join(modelDir, name, resolved);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`model ${name}@${resolved}: ${manifestPath} missing`);
  const manifest = validateManifest.parse(
    JSON.parse(readFileSync(manifestPath, 'utf8')),
    `manifest of ${name}@${resolved}`,
  );
  return { name, version: resolved, dir, modelPath: join(dir, 'model.onnx'), manifest };
}
