import type { InferenceSession } from 'onnxruntime-node';
import { FEATURE_NAMES, FEATURE_SPEC_SHA256 } from './feature-spec.js';
import { extractFeatures } from './features.js';
import type { ModelArtifact } from './model-registry.js';
import { openScoringSession, scoreRows } from './onnx-scoring.js';
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
    const contract = { sha256: FEATURE_SPEC_SHA256, names: FEATURE_NAMES };
    return new OnnxRanker(artifact, await openScoringSession(artifact, contract, 'model'));
  }

  async score(features: number[][]): Promise<number[]> {
    return scoreRows(this.session, this.artifact, FEATURE_NAMES.length, features);
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
