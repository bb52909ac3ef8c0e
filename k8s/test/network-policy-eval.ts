import type { Doc } from './render.js';

/**
 * Just enough of Kubernetes NetworkPolicy semantics to check rendered manifests: label selectors
 * (matchLabels, matchExpressions), peers (podSelector in the policy's namespace, namespaceSelector,
 * ipBlock for what is outside the cluster), ports (number or the target container's port name), and
 * isolation (a pod selected by no policy of a type is open in that direction). Hand-written: no
 * library evaluates policies offline, and this covers what our manifests use.
 */
export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}
export interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}
export interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
export interface Policy {
  metadata: { name: string };
  namespace: string;
  spec: { podSelector: Selector; policyTypes?: Array<'Ingress' | 'Egress'>; ingress?: Rule[]; egress?: Rule[] };
}
export interface Pod {
  workload: string;
  namespace: string;
  labels: Record<string, string>;
  ports: Array<{ port: number; name?: string; protocol?: string }>;
  /** The container's environment from its ConfigMaps and literal values. */
  env: Record<string, string | undefined>;
  /** Part of this system (labelled app.kubernetes.io/part-of), so under its default deny. */
  ours?: boolean;
}
/** A pod, or anything outside the cluster (clients on the internet, a managed Redis). */
export type Endpoint = Pod | { external: true };

export function matches(selector: Selector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpr = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    const has = e.key in labels && (e.values ?? []).includes(labels[e.key]!);
    return e.operator === 'In' ? has : !has;
  });
  return byLabel && byExpr;
}

export function policyTypes(p: Policy): Array<'Ingress' | 'Egress'> {
  return p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
}

export function policySelects(p: Policy, pod: Pod): boolean {
  return pod.namespace === p.namespace && matches(p.spec.podSelector, pod.labels);
}

export function peerSelectsPod(p: Policy, peer: Peer, pod: Pod): boolean {
  if (peer.ipBlock) return false; // pod addresses are not what our ipBlocks are for
  const ns = peer.namespaceSelector
    ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': pod.namespace })
    : pod.namespace === p.namespace;
  return ns && (peer.podSelector ? matches(peer.podSelector, pod.labels) : true);
}

function peerMatches(p: Policy, peers: Peer[] | undefined, other: Endpoint): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => ('external' in other ? peer.ipBlock !== undefined : peerSelectsPod(p, peer, other)));
}

function portMatches(ports: PolicyPort[] | undefined, port: number, protocol: string, target: Endpoint): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((pp) => {
    if ((pp.protocol ?? 'TCP') !== protocol) return false;
    if (pp.port === undefined) return true;
    if (typeof pp.port === 'string')
      return !('external' in target) && target.ports.some((c) => c.name === pp.port && c.port === port);
    return pp.endPort ? port >= pp.port && port <= pp.endPort : pp.port === port;
  });
}

/** One direction: does `pod`'s side allow the connection with `other` on `port`? */
function sideAllows(
  policies: Policy[],
  pod: Pod,
  type: 'Ingress' | 'Egress',
  other: Endpoint,
  port: number,
  protocol: string,
  target: Endpoint,
): boolean {
  const applying = policies.filter((p) => policySelects(p, pod) && policyTypes(p).includes(type));
  if (applying.length === 0) return true;
  return applying.some(
    (p) =>
      (type === 'Ingress' ? p.spec.ingress : p.spec.egress)?.some(
        (r) =>
          peerMatches(p, type === 'Ingress' ? r.from : r.to, other) && portMatches(r.ports, port, protocol, target),
      ) ?? false,
  );
}

/** Whether a connection from `from` to `to` on `port` gets through both ends' policies. */
export function allowed(policies: Policy[], from: Endpoint, to: Endpoint, port: number, protocol: string): boolean {
  const egressOk = 'external' in from || sideAllows(policies, from, 'Egress', to, port, protocol, to);
  const ingressOk = 'external' in to || sideAllows(policies, to, 'Ingress', from, port, protocol, to);
  return egressOk && ingressOk;
}

type Template = {
  metadata?: { labels?: Record<string, string> };
  spec: {
    containers: Array<{
      ports?: Array<{ containerPort: number; name?: string; protocol?: string }>;
      envFrom?: Array<{ configMapRef?: { name: string } }>;
      env?: Array<{ name: string; value?: string }>;
    }>;
  };
};

/**
 * The pods an overlay runs: one per workload (pod template labels, container ports, environment), and
 * the Elasticsearch cluster's pods as ECK labels them (cluster-name label, ports 9200 and 9300).
 */
export function podsOf(docs: Doc[], namespace: string): Pod[] {
  const pods: Pod[] = [];
  for (const d of docs) {
    if (['Deployment', 'StatefulSet', 'Job'].includes(d.kind)) {
      const t = (d.spec as { template: Template }).template;
      const labels = t.metadata?.labels ?? {};
      const env: Record<string, string | undefined> = {};
      for (const c of t.spec.containers) {
        for (const from of c.envFrom ?? [])
          Object.assign(
            env,
            docs.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith(from.configMapRef?.name ?? '\0'))
              ?.data,
          );
        for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      }
      pods.push({
        workload: d.metadata.name,
        namespace,
        labels,
        env,
        ports: t.spec.containers.flatMap((c) =>
          (c.ports ?? []).map((p) => ({ port: p.containerPort, name: p.name, protocol: p.protocol ?? 'TCP' })),
        ),
        ours:
          labels['app.kubernetes.io/part-of'] === 'marketplace-search' ||
          ['query-api', 'indexer', 'index-setup', 'redis'].includes(d.metadata.name),
      });
    }
    if (d.kind === 'Elasticsearch') {
      const tpl =
        (d.spec as { nodeSets: Array<{ podTemplate?: { metadata?: { labels?: Record<string, string> } } }> })
          .nodeSets[0]?.podTemplate?.metadata?.labels ?? {};
      pods.push({
        workload: d.metadata.name,
        namespace,
        env: {},
        labels: { ...tpl, 'elasticsearch.k8s.elastic.co/cluster-name': d.metadata.name },
        ports: [
          { port: 9200, name: 'https', protocol: 'TCP' },
          { port: 9300, name: 'transport', protocol: 'TCP' },
        ],
      });
    }
  }
  return pods;
}
