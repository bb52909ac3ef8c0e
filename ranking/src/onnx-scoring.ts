import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelArtifact } from './model-registry.js';

/** The feature contract a model must have been trained on: its spec's sha256 and its column names in order. */
export interface FeatureContract {
  sha256: string;
  names: readonly string[];
}

/**
 * Opens a model's onnxruntime session after checking it was trained on `contract` (the search ranker's
 * and the feed ranker's alike): a silent feature skew is worse than an honest fallback. `label` names the
 * model in errors ("model", "feed model"). One thread: each run is one small batch, and the API's event
 * loop owns the other core.
 */
export async function openScoringSession(
  artifact: ModelArtifact,
  contract: FeatureContract,
  label: string,
): Promise<InferenceSession> {
  const m = artifact.manifest;
  if (m.feature_spec_sha256 !== contract.sha256) {
    throw new Error(
      `${label} ${artifact.name}@${artifact.version} was trained on feature spec ${m.feature_spec_sha256.slice(0, 12)}, serving has ${contract.sha256.slice(0, 12)}`,
    );
  }
  if (m.feature_names.join(',') !== contract.names.join(','))
    throw new Error(`${label} ${artifact.version}: feature names differ from the spec`);
  const session = await InferenceSession.create(artifact.modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  if (!session.inputNames.includes(m.input_name))
    throw new Error(`${label} ${artifact.version}: no input named ${m.input_name}`);
  return session;
}

/** One score per row of `width` features, in one batched run ([N, F] float32). */
export async function scoreRows(
  session: InferenceSession,
  artifact: ModelArtifact,
  width: number,
  rows: number[][],
): Promise<number[]> {
  if (rows.length === 0) return [];
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => data.set(row, i * width));
  const out = await session.run({ [artifact.manifest.input_name]: new Tensor('float32', data, [rows.length, width]) });
  const tensor = out[artifact.manifest.output_name] ?? Object.values(out)[0]!;
  return Array.from(tensor.data as Float32Array, Number);
}
