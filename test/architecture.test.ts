import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Keeps the layout honest: query-api -> ranking -> core, indexer -> core, and no import cycles. What the
 * query API and the indexer share (the change-event producer, change notifications, index administration:
 * core/src/pipeline/; every Redis key and queue name: core/src/redis-keys.ts) lives in core, so neither
 * service imports the other. Tooling (bench/, models/, scripts/, test/) may import anything.
 */
const root = resolve(import.meta.dirname, '..');
const packages = ['core', 'ranking', 'indexer', 'query-api'] as const;
const allowed: Record<(typeof packages)[number], string[]> = {
  core: ['core'],
  ranking: ['ranking', 'core'],
  indexer: ['indexer', 'core'],
  'query-api': ['query-api', 'ranking', 'core'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ];
  return found.map((m) => relative(root, resolve(dirname(file), (m[1] ?? m[2])!)).replace(/\.js$/, ''));
}

const graph = new Map<string, string[]>();
for (const pkg of packages) {
  for (const file of sourceFiles(join(root, pkg, 'src'))) {
    graph.set(relative(root, file).replace(/\.ts$/, ''), relativeImports(file));
  }
}

describe('architecture', () => {
  it('imports only flow in the allowed direction', () => {
    const violations: string[] = [];
    for (const [from, targets] of graph) {
      const pkg = from.split('/')[0] as (typeof packages)[number];
      for (const to of targets) {
        if (!allowed[pkg].some((a) => to === a || to.startsWith(`${a}/`))) violations.push(`${from} -> ${to}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) if (graph.has(next)) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('sees the source tree (guards against a vacuous pass)', () => {
    expect(graph.size).toBeGreaterThan(5);
    expect([...graph.keys()].some((k) => k.startsWith('core/src/'))).toBe(true);
  });
});
