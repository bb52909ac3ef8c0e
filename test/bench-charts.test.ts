import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const charts = (args: string[]) =>
  JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', 'bench/charts.ts', ...args], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );

describe('bench/charts.ts', () => {
  it('renders the recorded benchmark outputs as SVG charts', () => {
    const out = mkdtempSync(join(tmpdir(), 'charts-'));
    const res = charts(['--in', 'bench/recorded', '--out', out]);
    expect(res.written).toEqual([
      'latency-ranking.svg',
      'latency-recommendations.svg',
      'freshness.svg',
      'ndcg-per-query.svg',
      'learning-curve.svg',
    ]);
    const ndcg = readFileSync(join(out, 'ndcg-per-query.svg'), 'utf8');
    expect(ndcg).toMatch(/^<svg /);
    expect(ndcg).toContain('model better on 5, worse on 1, tied on 17');
    expect(readFileSync(join(out, 'latency-ranking.svg'), 'utf8')).toContain('ranking-2026-12-01-a');
  }, 60_000);

  it('draws the freshness distribution when a run kept it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'charts-in-'));
    mkdirSync(join(dir, 'runs'));
    writeFileSync(
      join(dir, 'runs', 'indexing-x.json'),
      JSON.stringify({
        throughput: {},
        freshness: {
          lag_ms: {
            p50: 600,
            p99: 1200,
            max: 1300,
            histogram: [
              { from: 500, count: 90 },
              { from: 1200, count: 3 },
            ],
          },
        },
      }),
    );
    const out = mkdtempSync(join(tmpdir(), 'charts-'));
    expect(charts(['--in', dir, '--out', out]).written).toEqual(['freshness.svg']);
    expect(readFileSync(join(out, 'freshness.svg'), 'utf8')).toContain('probes per 100 ms bucket');
  }, 60_000);
});
