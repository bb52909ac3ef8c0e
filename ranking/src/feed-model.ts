import { InferenceSession, Tensor } from 'onnxruntime-node';
import { FEED_FEATURE_NAMES, FEED_FEATURE_SPEC_SHA256 } from './feed-features.js';
import type { ModelArtifact } from './model-registry.js';

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
    const m = artifact.manifest;
    if (m.feature_spec_sha256 !== FEED_FEATURE_SPEC_SHA256) {
      throw new Error(
        `feed model ${artifact.name}@${artifact.version} was trained on feature spec ${m.feature_spec_sha256.slice(0, 12)}, serving has ${FEED_FEATURE_SPEC_SHA256.slice(0, 12)}`,
      );
    }
    if (m.feature_names.join(',') !== FEED_FEATURE_NAMES.join(','))
      throw new Error(`feed model ${artifact.version}: feature names differ from the spec`);
    // One thread: a feed build is one small batch (~600 rows), and the API's event loop owns the other core.
    const session = await InferenceSession.create(artifact.modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    if (!session.inputNames.includes(m.input_name))
      throw new Error(`feed model ${artifact.version}: no input named ${m.input_name}`);
    return new FeedModel(artifact, session);
  }

  /** One score per row (higher ranks first). */
  async score(rows: number[][]): Promise<number[]> {
    if (rows.length === 0) return [];
    const width = FEED_FEATURE_NAMES.length;
    const data = new Float32Array(rows.length * width);
    rows.forEach((row, i) => data.set(row, i * width));
    const out = await this.session.run({
      [this.artifact.manifest.input_name]: new Tensor('float32', data, [rows.length, width]),
    });
    const tensor = out[this.artifact.manifest.output_name] ?? Object.values(out)[0]!;
    return Array.from(tensor.data as Float32Array, Number);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
