/**
 * The rows models/export/judged-data.ts writes, grouped by query and put in two orders: a model's and
 * the BM25 retrieval's. Shared by the offline evaluation (bench/offline-ndcg.ts) and the judging pool
 * (models/export/judging-pool.ts), so both rank a query's candidates the way serving does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listVersions, resolveArtifact, type ModelArtifact } from '../../ranking/src/model-registry.js';
import { OnnxRanker } from '../../ranking/src/onnx-ranker.js';
import { judgingPool } from './offline-metrics.js';

/** One retrieved candidate of a judged query; rating null when no rater judged it for that query. */
export interface ExportedCandidate {
  query: string;
  docid: string;
  rating: number | null;
  /** null for a candidate only the semantic retriever found (not in BM25's list). */
  bm25_rank: number | null;
  /** Rank in the kNN list, null when the semantic retriever did not return it (absent in older exports). */
  knn_rank?: number | null;
  features: number[];
  title?: string;
}

/** What ranks a query's candidates: the ONNX ranker's batched scoring of feature rows. */
export interface FeatureScorer {
  score(features: number[][]): Promise<number[]>;
}

export interface RankedQuery {
  query: string;
  byModel: ExportedCandidate[];
  byBm25: ExportedCandidate[];
}

export function readExport(path: string): ExportedCandidate[] {
  if (!existsSync(path))
    throw new Error(
      `no ${path}: run scripts/train-model.sh or models/export/judged-data.ts (needs ../shared/data/icecat)`,
    );
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const row = JSON.parse(line) as ExportedCandidate;
      // A row without a rating key is unjudged too, the same as an explicit null.
      return { ...row, rating: row.rating ?? null };
    });
}

/**
 * Each selected query's candidates by model score (ties in BM25 order, as serving breaks them) and by
 * BM25 rank. Queries without a relevant judged candidate are left out: their NDCG is undefined (the rule
 * of models/pipeline/ltr_metrics.py).
 */
export async function rankQueries(
  rows: ExportedCandidate[],
  scorer: FeatureScorer,
  selected: (query: string) => boolean,
): Promise<RankedQuery[]> {
  const byQuery = new Map<string, ExportedCandidate[]>();
  for (const r of rows) if (selected(r.query)) byQuery.set(r.query, [...(byQuery.get(r.query) ?? []), r]);
  const ranked: RankedQuery[] = [];
  for (const [query, group] of byQuery) {
    if (!group.some((r) => (r.rating ?? 0) > 0)) continue;
    const scores = await scorer.score(group.map((r) => r.features));
    // Ties in candidate order (the export's: BM25's, then kNN's), as serving breaks them.
    const byModel = group
      .map((r, i) => ({ r, s: scores[i]!, i }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map((x) => x.r);
    // BM25's own list only: a kNN-only candidate is not part of the BM25 order.
    const byBm25 = group.filter((r) => r.bm25_rank !== null).sort((a, b) => a.bm25_rank! - b.bm25_rank!);
    ranked.push({ query, byModel, byBm25 });
  }
  return ranked;
}

/** The export's queries ranked by a shipped model version of models/ltr (default: the newest). */
export async function rankWithModel(
  modelDir: string,
  rows: ExportedCandidate[],
  selected: (query: string) => boolean,
  version?: string,
): Promise<{ artifact: ModelArtifact; ranked: RankedQuery[] }> {
  const chosen = version ?? listVersions(modelDir, 'ltr').at(-1);
  if (!chosen) throw new Error(`no model under ${join(modelDir, 'ltr')}: run scripts/train-model.sh`);
  const artifact = resolveArtifact(modelDir, 'ltr', chosen);
  const ranker = await OnnxRanker.load(artifact);
  try {
    return { artifact, ranked: await rankQueries(rows, ranker, selected) };
  } finally {
    await ranker.close();
  }
}

/** A candidate for raters to grade: rating left empty, the title to judge it by. */
export interface PoolRow {
  query: string;
  docid: string;
  rating: '';
  title: string;
}

/**
 * The judging pool of every ranked query (offline-metrics judgingPool over the model's and BM25's top k),
 * as rows for raters. Raters are not told which order showed an item, so both are graded alike.
 */
export function poolRows(ranked: RankedQuery[], k = 10): PoolRow[] {
  return ranked.flatMap((q) => {
    const titles = new Map(q.byModel.map((c) => [c.docid, c.title ?? '']));
    return judgingPool([q.byModel, q.byBm25], k).map((docid) => ({
      query: q.query,
      docid,
      rating: '' as const,
      title: titles.get(docid)!,
    }));
  });
}
