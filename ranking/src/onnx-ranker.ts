import { InferenceSession, Tensor } from 'onnxruntime-node';
import { FEATURE_NAMES, FEATURE_SPEC_SHA256 } from './feature-spec.js';
import { extractFeatures } from './features.js';
import type { ModelArtifact } from './model-registry.js';
import type { Candidate, QueryContext, RankOptions, RankResult, Ranker } from './types.js';

/**
 * Scores the whole candidate set in one batched onnxruntime run ([N, F] float32). Refuses to load a
 * model trained on another feature spec: silent feature skew is worse than an honest fallback.
 */
export class OnnxRanker implements Ranker {
  readonly name: string;

  private constructor(
    readonly artifact: ModelArtifact,
    private readonly session: InferenceSession,
  ) {
    this.name = `onnx:${artifact.name}@${artifact.version}`;
  }

  static async load(artifact: ModelArtifact): Promise<OnnxRanker> {
    const m = artifact.manifest;
    if (m.feature_spec_sha256 !== FEATURE_SPEC_SHA256) {
      throw new Error(
        `model ${artifact.name}@${artifact.version} was trained on feature spec ${m.feature_spec_sha256.slice(0, 12)}, serving has ${FEATURE_SPEC_SHA256.slice(0, 12)}`,
      );
    }
    if (m.feature_names.join(',') !== FEATURE_NAMES.join(','))
      throw new Error(`model ${artifact.version}: feature names differ from the spec`);
    const session = await InferenceSession.create(artifact.modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    if (!session.inputNames.includes(m.input_name))
      throw new Error(`model ${artifact.version}: no input named ${m.input_name}`);
    return new OnnxRanker(artifact, session);
  }

  async score(features: number[][]): Promise<number[]> {
    if (features.length === 0) return [];
    const width = FEATURE_NAMES.length;
    const data = new Float32Array(features.length * width);
    features.forEach((row, i) => data.set(row, i * width));
    const input = new Tensor('float32', data, [features.length, width]);
    const out = await this.session.run({ [this.artifact.manifest.input_name]: input });
    const tensor = out[this.artifact.manifest.output_name] ?? Object.values(out)[0]!;
    return Array.from(tensor.data as Float32Array, Number);
  }

  async rank(candidates: Candidate[], ctx: QueryContext, opts: RankOptions = {}): Promise<RankResult> {
    const features = extractFeatures(candidates, ctx);
    const scores = await this.score(features);
    const order = candidates
      .map((_, i) => i)
      .sort((a, b) => scores[b]! - scores[a]! || candidates[b]!.bm25 - candidates[a]!.bm25);
    return { order, scores, ranker: this.name, ...(opts.withFeatures ? { features } : {}) };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
