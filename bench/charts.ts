/**
 * Benchmark charts: turns the benchmarks' JSON outputs into SVG files for docs/benchmarks.md.
 *
 *   npx tsx bench/charts.ts [--in DIR]... [--out docs/img]
 *
 * Every *.json under each --in directory (default: bench/recorded, the runs recorded in
 * docs/benchmarks.md, and .data/bench/runs, where `make bench` keeps each run) is one benchmark output;
 * a run is named after its file. Writes, for what the inputs hold:
 *   latency-<benchmark>.svg   p50 / p99 of every latency the benchmark reports, per run
 *   freshness.svg             freshness lag of the indexing runs (their distribution when kept)
 *   ndcg-per-query.svg        NDCG@10 of the model vs BM25 per judged query (the latest offline-ndcg run)
 *   learning-curve.svg        gain over BM25 by number of training queries (the latest learning curve)
 * Charts are drawn by Vega-Lite and rendered headless by Vega (no browser, no canvas: SVG only).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import {
  freshnessSpec,
  latencySpec,
  learningCurveSpec,
  ndcgPerQuerySpec,
  type CurvePoint,
  type FreshnessRun,
  type LatencyRow,
} from './chart-specs.js';
import { root } from './support.js';

const { values } = parseArgs({ options: { in: { type: 'string', multiple: true }, out: { type: 'string' } } });
const inputs = (values.in ?? [join(root, 'bench/recorded'), join(root, '.data/bench/runs')]).map((d) => resolve(d));
const out = resolve(values.out ?? join(root, 'docs/img'));

type Json = Record<string, unknown>;
interface Run {
  name: string;
  file: string;
  doc: Json;
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? jsonFiles(p) : n.endsWith('.json') ? [p] : [];
    });
}

/** Which benchmark printed a document: its `benchmark` field, or its shape for outputs that predate the field. */
function kind(doc: Json): string {
  if (typeof doc.benchmark === 'string') return doc.benchmark;
  if (doc.throughput && doc.freshness) return 'indexing';
  if (doc.cache_hits_saturated) return 'search';
  if (doc.ndcg_at_10 && doc.model) return 'offline-ndcg';
  return 'unknown';
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Every object in a document with a p50 and a p99 (or p50_ms / p99_ms), by its path; freshness lag is not a latency. */
function latencies(doc: Json, path: string[] = []): Array<{ metric: string; p50: number; p99: number }> {
  const found: Array<{ metric: string; p50: number; p99: number }> = [];
  const p50 = num(doc.p50) ?? num(doc.p50_ms);
  const p99 = num(doc.p99) ?? num(doc.p99_ms);
  if (p50 !== undefined && p99 !== undefined && !path.some((p) => p.includes('lag') || p === 'freshness'))
    found.push({ metric: path.join('.'), p50, p99 });
  for (const [k, v] of Object.entries(doc))
    if (v && typeof v === 'object' && !Array.isArray(v)) found.push(...latencies(v as Json, [...path, k]));
  return found;
}

async function render(spec: TopLevelSpec, file: string) {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(join(out, file), `${svg}\n`);
  process.stderr.write(`wrote ${relative(root, join(out, file))}\n`);
}

const runs: Run[] = inputs
  .flatMap(jsonFiles)
  .map((file) => ({ name: basename(file, '.json'), file, doc: JSON.parse(readFileSync(file, 'utf8')) as Json }));
if (runs.length === 0) {
  process.stderr.write(`no benchmark JSON under ${inputs.join(', ')}\n`);
  process.exit(3);
}
mkdirSync(out, { recursive: true });
const byKind = new Map<string, Run[]>();
for (const r of runs) byKind.set(kind(r.doc), [...(byKind.get(kind(r.doc)) ?? []), r]);
const written: string[] = [];

for (const [benchmark, list] of byKind) {
  if (benchmark === 'offline-ndcg' || benchmark === 'learning_curve' || benchmark === 'unknown') continue;
  const rows: LatencyRow[] = list.flatMap((r) =>
    latencies(r.doc).flatMap((l) => [
      { run: r.name, metric: l.metric, percentile: 'p50' as const, ms: l.p50 },
      { run: r.name, metric: l.metric, percentile: 'p99' as const, ms: l.p99 },
    ]),
  );
  if (rows.length === 0) continue;
  await render(latencySpec(benchmark, rows), `latency-${benchmark}.svg`);
  written.push(`latency-${benchmark}.svg`);
}

const freshness: FreshnessRun[] = (byKind.get('indexing') ?? []).flatMap((r) => {
  const lag = ((r.doc.freshness as Json | undefined)?.lag_ms ?? {}) as Json;
  const [p50, p99, max] = [num(lag.p50), num(lag.p99), num(lag.max)];
  if (p50 === undefined || p99 === undefined || max === undefined) return [];
  return [
    {
      run: r.name,
      p50,
      p99,
      max,
      ...(Array.isArray(lag.histogram) ? { histogram: lag.histogram as FreshnessRun['histogram'] } : {}),
    },
  ];
});
if (freshness.length > 0) {
  await render(freshnessSpec(freshness), 'freshness.svg');
  written.push('freshness.svg');
}

// The latest run (files sort by name: date them) that kept its per-query numbers.
const ndcg = (byKind.get('offline-ndcg') ?? [])
  .filter((r) => Array.isArray((r.doc.ndcg_at_10 as Json).per_query))
  .at(-1);
if (ndcg) {
  await render(
    ndcgPerQuerySpec(
      String(ndcg.doc.model),
      (ndcg.doc.ndcg_at_10 as Json).per_query as Array<{ model: number; bm25: number }>,
    ),
    'ndcg-per-query.svg',
  );
  written.push('ndcg-per-query.svg');
}

const curve = (byKind.get('learning_curve') ?? []).at(-1);
if (curve) {
  await render(
    learningCurveSpec(curve.doc.curve as CurvePoint[], num(curve.doc.perfect_order_gain)),
    'learning-curve.svg',
  );
  written.push('learning-curve.svg');
}
process.stdout.write(
  `${JSON.stringify({ benchmark: 'charts', inputs: runs.map((r) => relative(root, r.file)), out: relative(root, out), written })}\n`,
);
