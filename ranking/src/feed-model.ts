import type { InferenceSession } from 'onnxruntime-node';
import { FEED_FEATURE_NAMES, FEED_FEATURE_SPEC_SHA256 } from './feed-features.js';
import type { ModelArtifact } from './model-registry.js';
import { openScoringSession, scoreRows } from './onnx-scoring.js';

/**
 * The learned home-feed ranker (models/feed-ltr/<version>, trained by models/pipeline/train_feed.py):
 * one batched onnxruntime run over a feed's candidate rows ([N, F] float32). Like the search ranker it
 * refuses a model trained on another feature spec: a silent skew would rank worse than the blend it replaces.
 */
export class FeedModel {
  readonly name: string;

  private constructor(
    readonly artifact: ModelArtifact,
    private readonly session: InferenceSession,
  ) {
    this.name = `onnx:${artifact.name}@${artifact.version}`;
  }

  static async load(artifact: ModelArtifact): Promise<FeedModel> {
    const contract = { sha256: FEED_FEATURE_SPEC_SHA256, names: FEED_FEATURE_NAMES };
    return new FeedModel(artifact, await openScoringSession(artifact, contract, 'feed model'));
  }

  /** One score per row (higher ranks first). */
  async score(rows: number[][]): Promise<number[]> {
    return scoreRows(this.session, this.artifact, FEED_FEATURE_NAMES.length, rows);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
