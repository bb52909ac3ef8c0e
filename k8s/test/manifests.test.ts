import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvSchema, loadConfig } from '../../core/src/index.js';
import { overlays, renderOverlays, root, validator, type Doc } from './render.js';

/**
 * The manifests against the code: every env var a pod gets is one the config knows (no typos), what
 * production requires is provided, the rendered config actually loads, and the validator used in CI
 * really rejects a broken manifest. Renders with kustomize installed by scripts/validate-k8s.sh.
 */
let rendered = new Map<string, Doc[]>();

interface Container {
  name: string;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
}

beforeAll(() => {
  rendered = renderOverlays();
}, 600_000);

function workloads(docs: Doc[]) {
  return docs.filter(
    (d) => ['Deployment', 'Job', 'StatefulSet'].includes(d.kind) && !['redis', 'redis-cache'].includes(d.metadata.name),
  );
}

function containersOf(doc: Doc): Container[] {
  return (doc.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
}

function envOf(docs: Doc[], c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith(from.configMapRef!.name));
    expect(cm, `ConfigMap ${from.configMapRef!.name}`).toBeDefined();
    Object.assign(env, cm!.data);
  }
  // A stand-in for a secret's value, shaped so it also parses where the value has a format (API_KEYS: name:scope:secret).
  for (const e of c.env ?? []) env[e.name] = e.value ?? `from-secret:ingest:${e.valueFrom?.secretKeyRef?.key}-value`;
  return env;
}

describe.each(overlays)('overlay %s', (overlay) => {
  it('gives every container only env vars the config knows', () => {
    const docs = rendered.get(overlay)!;
    // Our config's variables, plus what Node itself reads (trusting ECK's CA, heap size).
    const known = new Set([...Object.keys(EnvSchema.properties), 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']);
    for (const w of workloads(docs))
      for (const c of containersOf(w)) {
        const unknown = Object.keys(envOf(docs, c)).filter((k) => !known.has(k));
        expect(unknown, `${w.kind}/${w.metadata.name}`).toEqual([]);
      }
  });

  it('provides what the config requires, and the rendered values load', () => {
    const docs = rendered.get(overlay)!;
    const props = EnvSchema.properties as Record<string, object>;
    const required = (EnvSchema.required ?? []).filter((k) => !('default' in props[k]!));
    for (const w of workloads(docs))
      for (const c of containersOf(w)) {
        const env = envOf(docs, c);
        for (const k of required) expect(env, `${w.metadata.name} lacks ${k}`).toHaveProperty(k);
        if (env.NODE_ENV === 'production') expect(env).toHaveProperty('INGEST_API_KEYS');
        // The API refuses to start in production without a cursor secret (its CursorCodec, not loadConfig).
        if (env.NODE_ENV === 'production' && w.metadata.name === 'query-api')
          expect(env).toHaveProperty('CURSOR_SECRETS');
        expect(() => loadConfig(env)).not.toThrow();
      }
  });

  it('runs every pod non-root on a read-only root filesystem with limits and probes', () => {
    const docs = rendered.get(overlay)!;
    for (const w of workloads(docs)) {
      const pod = (
        w.spec as {
          template: { spec: { securityContext: { runAsNonRoot: boolean }; automountServiceAccountToken: boolean } };
        }
      ).template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of containersOf(w) as Array<
        Container & {
          securityContext: { readOnlyRootFilesystem: boolean };
          resources: { limits: object };
          readinessProbe?: object;
        }
      >) {
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.resources.limits).toBeDefined();
        if (w.kind === 'Deployment') expect(c.readinessProbe).toBeDefined();
      }
    }
  });
});

describe('prod overlay', () => {
  it('defines a 3-node Elasticsearch spread over zones, KEDA scaling and alerts', () => {
    const docs = rendered.get('prod')!;
    const es = docs.find((d) => d.kind === 'Elasticsearch') as
      | {
          spec: {
            nodeSets: Array<{
              count: number;
              podTemplate: { spec: { topologySpreadConstraints: Array<{ topologyKey: string }> } };
            }>;
          };
        }
      | undefined;
    expect(es?.spec.nodeSets[0]!.count).toBe(3);
    expect(es?.spec.nodeSets[0]!.podTemplate.spec.topologySpreadConstraints[0]!.topologyKey).toBe(
      'topology.kubernetes.io/zone',
    );
    expect(docs.map((d) => d.kind)).toEqual(
      expect.arrayContaining([
        'ScaledObject',
        'PrometheusRule',
        'ServiceMonitor',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'NetworkPolicy',
      ]),
    );
  });
});

describe('the CI validator', () => {
  it('rejects an invalid manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-bad-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: "two"\n  selector: {}\n  template:\n    spec:\n      containers: []\n      restartPolicy: Sometimes\n',
    );
    const res = spawnSync(validator, [bad], { cwd: root, encoding: 'utf8' });
    expect(res.status).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/Invalid: 1/);
  });
});

describe('the alerts', () => {
  it('name only metrics the services define', () => {
    const alerts = readFileSync(join(root, 'k8s/components/monitoring/alerts.yaml'), 'utf8');
    const named = new Set(
      [...alerts.matchAll(/\b((?:api|indexer)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, '')),
    );
    const sources = ['query-api/src/plugins/metrics.ts', 'indexer/src/metrics.ts', 'indexer/src/neighbours/metrics.ts']
      .map((f) => readFileSync(join(root, f), 'utf8'))
      .join('\n');
    const defined = new Set([...sources.matchAll(/name: '([a-z0-9_]+)'/g)].map((m) => m[1]!));
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((n) => !defined.has(n))).toEqual([]);
  });
});
