import { beforeAll, describe, expect, it } from 'vitest';
import { overlays, renderOverlays, type Doc } from './render.js';
import {
  allowed,
  peerSelectsPod,
  podsOf,
  policySelects,
  policyTypes,
  type Endpoint,
  type Pod,
  type Policy,
} from './network-policy-eval.js';

/**
 * The NetworkPolicies of each rendered overlay against the pods they are meant for (issue 21, item 4:
 * two policies once selected no pod at all, so egress was open and dev Redis took ingress from
 * anywhere, while docs/operations.md said otherwise). Evaluated with the NetworkPolicy semantics in
 * network-policy-eval.ts on the rendered pod templates, the config's URLs and the containers' ports.
 */
let rendered = new Map<string, Doc[]>();
beforeAll(() => {
  rendered = renderOverlays();
}, 600_000);

/** Which workloads each policy is for. A policy not listed here fails the test: say what it is for. */
const INTENT: Record<string, string[]> = {
  'default-deny': ['query-api', 'indexer', 'index-setup', 'redis', 'redis-cache'],
  'backends-egress': ['query-api', 'indexer', 'index-setup'],
  'query-api-ingress': ['query-api'],
  'indexer-metrics-ingress': ['indexer'],
  'redis-ingress': ['redis'],
  'redis-cache-ingress': ['redis-cache'],
};
/** Workloads that talk to Redis (the index-setup Job only creates the index). */
const REDIS_CLIENTS = ['query-api', 'indexer'];

function setup(overlay: string) {
  const docs = rendered.get(overlay)!;
  const namespace = docs.find((d) => d.kind === 'Deployment')!.metadata.namespace!;
  const policies = docs
    .filter((d) => d.kind === 'NetworkPolicy')
    .map((d) => ({ ...(d as unknown as Policy), namespace }));
  const pods = podsOf(docs, namespace);
  const pod = (name: string) => pods.find((p) => p.workload === name)!;
  const env = (p: Pod) => p.env;
  const outside: Endpoint = { external: true };
  const stranger: Pod = { workload: 'stranger', namespace, labels: { app: 'someone-else' }, ports: [], env: {} };
  const monitoring: Pod = {
    workload: 'prometheus',
    namespace: 'monitoring',
    labels: { app: 'prometheus' },
    ports: [],
    env: {},
  };
  const dns: Pod = {
    workload: 'kube-dns',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns' },
    ports: [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ],
    env: {},
  };
  /** Where a URL of the config leads: a pod behind a Service of the overlay, or outside the cluster. */
  const target = (url: string): { to: Endpoint; port: number } => {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === u.hostname.split('.')[0]);
    if (svc) {
      const spec = svc.spec as {
        selector: Record<string, string>;
        ports: Array<{ port: number; targetPort?: number | string }>;
      };
      const backend = pods.find((p) => Object.entries(spec.selector).every(([k, v]) => p.labels[k] === v))!;
      const sp = spec.ports.find((x) => x.port === port)!;
      const tp = sp.targetPort ?? sp.port;
      return { to: backend, port: typeof tp === 'number' ? tp : backend.ports.find((x) => x.name === tp)!.port };
    }
    // ECK's HTTP service <cluster>-es-http selects the cluster's pods.
    const es = pods.find((p) => p.workload === u.hostname.replace(/-es-http$/, ''));
    return es ? { to: es, port } : { to: outside, port };
  };
  return { docs, policies, pods, pod, env, outside, stranger, monitoring, dns, target, namespace };
}

describe.each(overlays)('overlay %s', (overlay) => {
  it('every policy selects at least the workloads it is for (and states what those are)', () => {
    const { policies, pods } = setup(overlay);
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      const selected = pods.filter((p) => policySelects(policy, p)).map((p) => p.workload);
      expect(INTENT, `policy ${policy.metadata.name} has no stated intent`).toHaveProperty([policy.metadata.name]);
      const meant = INTENT[policy.metadata.name]!.filter((w) => pods.some((p) => p.workload === w));
      expect(selected.length, `${policy.metadata.name} selects no pod`).toBeGreaterThan(0);
      expect(selected, policy.metadata.name).toEqual(expect.arrayContaining(meant));
    }
  });

  it('isolates every pod of ours for ingress and egress (default deny holds)', () => {
    const { policies, pods } = setup(overlay);
    for (const p of pods.filter((x) => x.ours)) {
      for (const type of ['Ingress', 'Egress'] as const) {
        expect(
          policies.some((pol) => policySelects(pol, p) && policyTypes(pol).includes(type)),
          `${p.workload} ${type}`,
        ).toBe(true);
      }
    }
  });

  it('lets each workload reach what its config points at: Elasticsearch, Redis, DNS', () => {
    const { policies, pods, pod, target, dns } = setup(overlay);
    for (const p of pods.filter((x) => x.ours && !x.workload.startsWith('redis'))) {
      const es = target(p.env.ES_URL!);
      expect(allowed(policies, p, es.to, es.port, 'TCP'), `${p.workload} -> Elasticsearch :${es.port}`).toBe(true);
      expect(allowed(policies, p, dns, 53, 'UDP'), `${p.workload} -> DNS`).toBe(true);
    }
    for (const name of REDIS_CLIENTS) {
      const redis = target(pod(name).env.REDIS_URL!);
      expect(allowed(policies, pod(name), redis.to, redis.port, 'TCP'), `${name} -> Redis :${redis.port}`).toBe(true);
    }
    // The cache Redis is the query API's alone.
    const cache = target(pod('query-api').env.CACHE_REDIS_URL!);
    expect(allowed(policies, pod('query-api'), cache.to, cache.port, 'TCP'), `query-api -> cache Redis`).toBe(true);
    // Tracing, when an overlay turns it on: the collector must be reachable too.
    for (const p of pods.filter((x) => x.env.OTEL_EXPORTER_OTLP_ENDPOINT)) {
      const otlp = target(p.env.OTEL_EXPORTER_OTLP_ENDPOINT!);
      expect(allowed(policies, p, otlp.to, otlp.port, 'TCP'), `${p.workload} -> OTLP collector :${otlp.port}`).toBe(
        true,
      );
    }
  });

  it('refuses everything else: the internet, strangers to Redis and the indexer', () => {
    const { policies, pods, pod, outside, stranger, target } = setup(overlay);
    for (const name of ['query-api', 'indexer', 'index-setup']) {
      expect(allowed(policies, pod(name), outside, 443, 'TCP'), `${name} -> internet :443`).toBe(false);
    }
    expect(allowed(policies, stranger, pod('indexer'), 9464, 'TCP')).toBe(false);
    expect(allowed(policies, outside, pod('indexer'), 9464, 'TCP')).toBe(false);
    const redis = target(pod('indexer').env.REDIS_URL!);
    if (!('external' in redis.to)) {
      expect(
        pods.some((p) => p === redis.to && p.ours),
        'in-cluster Redis is ours, under default deny',
      ).toBe(true);
      expect(allowed(policies, stranger, redis.to, redis.port, 'TCP'), 'stranger -> Redis').toBe(false);
      expect(allowed(policies, pod('index-setup'), redis.to, redis.port, 'TCP'), 'index-setup -> Redis').toBe(false);
    }
    const cache = target(pod('query-api').env.CACHE_REDIS_URL!);
    if (!('external' in cache.to)) {
      expect(cache.to, 'the cache Redis is a pod of its own').not.toBe(redis.to);
      for (const from of [stranger, pod('indexer'), pod('index-setup')])
        expect(allowed(policies, from, cache.to, cache.port, 'TCP'), `${from.workload} -> cache Redis`).toBe(false);
    }
  });

  it('takes the traffic the services serve: clients to the API, Prometheus to the indexer', () => {
    const { policies, pod, outside, monitoring } = setup(overlay);
    expect(allowed(policies, outside, pod('query-api'), 8080, 'TCP')).toBe(true);
    expect(allowed(policies, monitoring, pod('indexer'), 9464, 'TCP')).toBe(true);
  });

  it('names in its rules only ports the target pods serve or the config points at', () => {
    const { policies, pods } = setup(overlay);
    const configPorts = new Set(
      pods.flatMap((p) =>
        [p.env.REDIS_URL, p.env.CACHE_REDIS_URL, p.env.ES_URL, p.env.OTEL_EXPORTER_OTLP_ENDPOINT]
          .filter(Boolean)
          .map((u) => Number(new URL(u!).port)),
      ),
    );
    for (const policy of policies) {
      const selected = pods.filter((p) => policySelects(policy, p));
      for (const rule of policy.spec.ingress ?? []) {
        for (const port of rule.ports ?? []) {
          for (const p of selected)
            expect(
              p.ports.some((c) => c.port === port.port || c.name === port.port),
              `${policy.metadata.name}: ${p.workload} serves ${port.port}`,
            ).toBe(true);
        }
      }
      for (const rule of policy.spec.egress ?? []) {
        const peers = rule.to ?? [];
        const targets = pods.filter((p) => peers.some((peer) => peerSelectsPod(policy, peer, p)));
        for (const port of rule.ports ?? []) {
          if (port.port === 53) continue; // cluster DNS, not part of the overlay
          if (targets.length > 0) {
            for (const t of targets)
              expect(
                t.ports.some((c) => c.port === port.port || c.name === port.port),
                `${policy.metadata.name}: ${t.workload} serves ${port.port}`,
              ).toBe(true);
          } else {
            expect(
              configPorts,
              `${policy.metadata.name}: egress to ${port.port} matches no URL of the config`,
            ).toContain(port.port);
          }
        }
      }
    }
  });
});
