import { watchModelDir } from './model-watch.js';
import type { Logger } from 'pino';
import { Bm25Ranker } from './bm25-ranker.js';
import { FEATURE_NAMES } from './feature-spec.js';
import { extractFeatures } from './features.js';
import { resolveArtifact } from './model-registry.js';
import { OnnxRanker } from './onnx-ranker.js';
import type { Candidate, QueryContext, RankOptions, RankResult } from './types.js';

export interface RankEvent {
  ranker: string;
  version: string | null;
  ms: number;
  fallbackReason?: string;
  candidates: number;
}

export interface RankingServiceOptions {
  modelDir: string;
  name: string;
  /** 'latest' or a version directory name */
  version: string;
  canaryVersion?: string;
  canaryPercent: number;
  budgetMs: number;
  /** Only the levels it logs at, so a fastify request or app logger fits as well as a pino one. */
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  onRanked?: (e: RankEvent) => void;
  /** Reload when files under the model directory change (default true). */
  watch?: boolean;
}

/** Stable bucket in [0, 100) for a key (FNV-1a): a user stays in the same A/B arm. */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % 100;
}

/**
 * The ranker the query path uses. Serves the configured model (and a canary share by user bucket),
 * falls back to BM25 order when a model is missing, broken, trained on another feature spec, throws,
 * or misses its latency budget, and says so in RankResult. Never throws. Reloads models when their
 * files change; in-flight requests finish on the ranker they started with.
 */
export class RankingService {
  readonly featureNames = FEATURE_NAMES;
  private primary: OnnxRanker | null = null;
  private canary: OnnxRanker | null = null;
  private loadError: string | undefined;
  private readonly bm25 = new Bm25Ranker();
  private stopWatching: () => void = () => undefined;

  private constructor(private readonly opts: RankingServiceOptions) {}

  static async create(opts: RankingServiceOptions): Promise<RankingService> {
    const service = new RankingService(opts);
    await service.reload();
    if (opts.watch !== false) service.watchModels();
    return service;
  }

  /** What a ranking without a canary bucket says it was ranked by (RankResult.ranker) while nothing fails. */
  primaryName(): string | null {
    return this.primary?.name ?? null;
  }

  versions(): { primary: string | null; canary: string | null } {
    return { primary: this.primary?.artifact.version ?? null, canary: this.canary?.artifact.version ?? null };
  }

  /** Loads the configured versions; keeps serving the old ones if the new ones fail to load. */
  async reload(): Promise<void> {
    const { modelDir, name, version, canaryVersion, canaryPercent } = this.opts;
    const load = async (v: string) => OnnxRanker.load(resolveArtifact(modelDir, name, v));
    const [primary, canary] = await Promise.allSettled([
      load(version),
      canaryVersion && canaryPercent > 0 ? load(canaryVersion) : Promise.resolve(null),
    ]);
    if (primary.status === 'fulfilled') {
      const old = this.primary;
      this.primary = primary.value;
      this.loadError = undefined;
      if (old && old !== this.primary) setTimeout(() => void old.close(), 5000).unref();
      this.opts.logger?.info({ model: this.primary.name }, 'ranking model loaded');
    } else if (!this.primary) {
      this.loadError = (primary.reason as Error).message;
      this.opts.logger?.warn({ err: this.loadError }, 'no ranking model: serving BM25 order');
    } else {
      this.opts.logger?.error(
        { err: (primary.reason as Error).message },
        'model reload failed; keeping the loaded version',
      );
    }
    if (canary.status === 'fulfilled') this.canary = canary.value;
    else this.opts.logger?.warn({ err: (canary.reason as Error).message }, 'canary model failed to load');
  }

  async rank(candidates: Candidate[], ctx: QueryContext, opts: RankOptions = {}): Promise<RankResult> {
    const started = performance.now();
    const ranker =
      this.canary && opts.bucketKey && bucketOf(opts.bucketKey) < this.opts.canaryPercent ? this.canary : this.primary;
    let result: RankResult;
    if (!ranker) {
      result = await this.fallback(candidates, ctx, opts, this.loadError ? 'model_unavailable' : 'no_model');
    } else {
      result = await this.withBudget(ranker, candidates, ctx, opts);
    }
    this.opts.onRanked?.({
      ranker: result.ranker,
      version: result.fallbackReason ? null : (ranker?.artifact.version ?? null),
      ms: performance.now() - started,
      fallbackReason: result.fallbackReason,
      candidates: candidates.length,
    });
    return result;
  }

  private async withBudget(
    ranker: OnnxRanker,
    candidates: Candidate[],
    ctx: QueryContext,
    opts: RankOptions,
  ): Promise<RankResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), this.opts.budgetMs)),
    );
    try {
      const outcome = await Promise.race([ranker.rank(candidates, ctx, opts), timeout]);
      if (outcome === 'timeout') return this.fallback(candidates, ctx, opts, 'budget_exceeded');
      return outcome;
    } catch (err) {
      this.opts.logger?.error({ err: (err as Error).message, model: ranker.name }, 'model failed; BM25 order served');
      return this.fallback(candidates, ctx, opts, 'model_error');
    } finally {
      clearTimeout(timer);
    }
  }

  private async fallback(
    candidates: Candidate[],
    ctx: QueryContext,
    opts: RankOptions,
    reason: string,
  ): Promise<RankResult> {
    const result = await this.bm25.rank(candidates, ctx);
    return {
      ...result,
      fallbackReason: reason,
      ...(opts.withFeatures ? { features: extractFeatures(candidates, ctx) } : {}),
    };
  }

  private watchModels(): void {
    this.stopWatching = watchModelDir(
      this.opts.modelDir,
      this.opts.name,
      () => void this.reload(),
      () => this.opts.logger?.warn('model directory not watchable; reload on restart or via reload()'),
    );
  }

  async close(): Promise<void> {
    this.stopWatching();
    await Promise.all([this.primary?.close(), this.canary?.close()]);
  }
}
