/**
 * Vega-Lite specs of the benchmark charts (bench/charts.ts renders them to SVG). Each takes the numbers
 * pulled from the benchmarks' JSON outputs and returns a complete spec with its data inlined.
 */
import type { TopLevelSpec } from 'vega-lite';

const WIDTH = 440;
const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } },
} as const;

export interface LatencyRow {
  run: string;
  metric: string;
  percentile: 'p50' | 'p99';
  ms: number;
}

/** p50 and p99 of every latency a benchmark reports, one group of bars per run, one panel per measurement. */
export function latencySpec(benchmark: string, rows: LatencyRow[]): TopLevelSpec {
  return {
    ...base,
    title: {
      text: `${benchmark}: latency percentiles per run`,
      subtitle: 'ms; one bar pair per run (file), p50 and p99',
    },
    data: { values: rows },
    facet: {
      row: {
        field: 'metric',
        type: 'nominal',
        title: null,
        header: { labelOrient: 'top', labelAnchor: 'start', labelAngle: 0, labelFontSize: 12, labelFontWeight: 'bold' },
      },
    },
    spec: {
      width: WIDTH,
      height: { step: 14 },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'run', type: 'nominal', title: null, sort: null, axis: { labelLimit: 320 } },
        yOffset: { field: 'percentile', type: 'nominal' },
        x: { field: 'ms', type: 'quantitative', title: 'milliseconds' },
        color: { field: 'percentile', type: 'nominal', scale: { range: ['#7aa6d6', '#0b3d91'] }, title: null },
      },
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
}

export interface FreshnessRun {
  run: string;
  p50: number;
  p99: number;
  max: number;
  histogram?: Array<{ from: number; count: number }>;
}

/** Freshness lag: the distribution of probes when the run kept it, else its p50 / p99 / max; the 2 s goal as a rule. */
export function freshnessSpec(runs: FreshnessRun[], goalMs = 2000): TopLevelSpec {
  const withHistogram = runs.filter((r) => r.histogram?.length);
  if (withHistogram.length > 0) {
    const values = withHistogram.flatMap((r) =>
      r.histogram!.map((b) => ({ run: r.run, from: b.from, to: b.from + 100, count: b.count })),
    );
    return {
      ...base,
      title: {
        text: 'Freshness lag: publish -> searchable',
        subtitle: 'probes per 100 ms bucket; dashed: the 2 s goal',
      },
      width: WIDTH,
      height: 220,
      data: { values },
      layer: [
        {
          mark: { type: 'bar', tooltip: true, opacity: 0.8 },
          encoding: {
            x: { field: 'from', type: 'quantitative', bin: { binned: true, step: 100 }, title: 'lag (ms)' },
            x2: { field: 'to' },
            y: { field: 'count', type: 'quantitative', title: 'probes', stack: null },
            color: { field: 'run', type: 'nominal', title: 'run' },
          },
        },
        {
          data: { values: [{ goal: goalMs }] },
          mark: { type: 'rule', strokeDash: [6, 4], color: '#a4161a' },
          encoding: { x: { field: 'goal', type: 'quantitative' } },
        },
      ],
    } as TopLevelSpec;
  }
  const values = runs.flatMap((r) =>
    (['p50', 'p99', 'max'] as const).map((stat) => ({ run: r.run, stat, ms: r[stat] })),
  );
  return {
    ...base,
    title: {
      text: 'Freshness lag: publish -> searchable',
      subtitle: 'p50 / p99 / max of the recorded runs (their probes were not kept); dashed: the 2 s goal',
    },
    width: WIDTH,
    height: { step: 18 },
    data: { values },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'run', type: 'nominal', title: null },
          yOffset: { field: 'stat', type: 'nominal', sort: ['p50', 'p99', 'max'] },
          x: {
            field: 'ms',
            type: 'quantitative',
            title: 'lag (ms)',
            scale: { domain: [0, Math.max(goalMs * 1.1, ...runs.map((r) => r.max))] },
          },
          color: {
            field: 'stat',
            type: 'nominal',
            sort: ['p50', 'p99', 'max'],
            scale: { range: ['#9ecae1', '#3182bd', '#08306b'] },
            title: null,
          },
        },
      },
      {
        data: { values: [{ goal: goalMs }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#a4161a', size: 2 },
        encoding: { x: { field: 'goal', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

/** NDCG@10 per judged query: BM25 and the model on one line per query, sorted by the model's gain. */
export function ndcgPerQuerySpec(model: string, perQuery: Array<{ model: number; bm25: number }>): TopLevelSpec {
  const sorted = [...perQuery].sort((a, b) => b.model - b.bm25 - (a.model - a.bm25) || a.bm25 - b.bm25);
  const values = sorted.flatMap((q, i) => [
    { query: `query ${i + 1}`, order: i, ranker: 'BM25', ndcg: q.bm25, gain: q.model - q.bm25 },
    { query: `query ${i + 1}`, order: i, ranker: 'model', ndcg: q.model, gain: q.model - q.bm25 },
  ]);
  const better = sorted.filter((q) => q.model > q.bm25 + 1e-9).length;
  const worse = sorted.filter((q) => q.model < q.bm25 - 1e-9).length;
  const y = {
    field: 'query',
    type: 'nominal',
    sort: { field: 'order' },
    title: null,
    axis: { labels: false, ticks: false },
  } as const;
  return {
    ...base,
    title: {
      text: `NDCG@10 per judged query: ${model} vs BM25`,
      subtitle: `${sorted.length} held-out queries (unnamed); model better on ${better}, worse on ${worse}, tied on ${sorted.length - better - worse}`,
    },
    width: WIDTH,
    height: { step: 12 },
    data: { values },
    layer: [
      {
        mark: { type: 'rule', color: '#9a9a9a' },
        encoding: {
          y,
          x: { aggregate: 'min', field: 'ndcg', type: 'quantitative' },
          x2: { aggregate: 'max', field: 'ndcg' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 60, tooltip: true },
        encoding: {
          y,
          x: { field: 'ndcg', type: 'quantitative', title: 'NDCG@10', scale: { domain: [0, 1] } },
          color: {
            field: 'ranker',
            type: 'nominal',
            scale: { domain: ['BM25', 'model'], range: ['#8a8a8a', '#0b57d0'] },
            title: null,
          },
          shape: {
            field: 'ranker',
            type: 'nominal',
            scale: { domain: ['BM25', 'model'], range: ['circle', 'diamond'] },
            title: null,
          },
        },
      },
    ],
  } as TopLevelSpec;
}

export interface CurvePoint {
  train_queries: number;
  relative_gain: number;
  relative_gain_stderr: number;
}

/** The learning curve: relative NDCG@10 gain over BM25 by training queries (± 1.96 standard errors), the goal and the ceiling. */
export function learningCurveSpec(curve: CurvePoint[], perfectOrderGain: number | undefined, goal = 0.1): TopLevelSpec {
  const values = curve.map((p) => ({
    ...p,
    lo: p.relative_gain - 1.96 * p.relative_gain_stderr,
    hi: p.relative_gain + 1.96 * p.relative_gain_stderr,
  }));
  const x = { field: 'train_queries', type: 'quantitative', title: 'training queries' } as const;
  const lines = [
    { label: 'goal +10 %', y: goal, color: '#a4161a' },
    ...(perfectOrderGain !== undefined ? [{ label: 'perfect order', y: perfectOrderGain, color: '#2e7d32' }] : []),
  ];
  return {
    ...base,
    title: {
      text: 'Learning curve: gain over BM25 by training queries',
      subtitle: 'relative NDCG@10 gain, mean over splits, band: ± 1.96 standard errors',
    },
    width: WIDTH,
    height: 240,
    layer: [
      {
        data: { values },
        mark: { type: 'area', opacity: 0.25, color: '#0b57d0' },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        data: { values },
        mark: { type: 'line', point: true, color: '#0b57d0', tooltip: true },
        encoding: {
          x,
          y: {
            field: 'relative_gain',
            type: 'quantitative',
            title: 'relative gain',
            axis: { format: '.0%' },
            scale: { domain: [0, Math.max(goal, perfectOrderGain ?? 0) * 1.15] },
          },
        },
      },
      {
        data: { values: lines },
        mark: { type: 'rule', strokeDash: [6, 4] },
        encoding: { y: { field: 'y', type: 'quantitative' }, color: { field: 'color', type: 'nominal', scale: null } },
      },
      {
        data: { values: lines },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 11 },
        encoding: {
          y: { field: 'y', type: 'quantitative' },
          x: { value: 0 },
          text: { field: 'label' },
          color: { field: 'color', type: 'nominal', scale: null },
        },
      },
    ],
  } as TopLevelSpec;
}
