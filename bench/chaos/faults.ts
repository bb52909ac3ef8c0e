import type { ChildProcess } from 'node:child_process';
import type { DelayProxy, OwnCluster, OwnRedis } from '../../test/support/own-services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a fault can act on: the processes and servers of the chaos stack (all ours, none shared). */
export interface FaultContext {
  cluster: OwnCluster;
  redis: OwnRedis;
  proxies: DelayProxy[];
  alias: string;
  /** Kills (SIGKILL) and restarts an API or indexer process by its slot. */
  killApi(slot: number): Promise<void>;
  startApi(slot: number): Promise<void>;
  killIndexer(slot: number): Promise<void>;
  startIndexer(slot: number): Promise<void>;
  apis: ChildProcess[];
}

/** A fault: inject() breaks something, heal() repairs it; details say what exactly was hit. */
export interface Fault {
  name: string;
  /** How long the fault is held before healing. */
  holdMs: number;
  /** Set-up before the 'before' phase (so that phase measures the same configuration). */
  prepare?(ctx: FaultContext): Promise<void>;
  inject(ctx: FaultContext): Promise<Record<string, unknown>>;
  heal(ctx: FaultContext): Promise<void>;
}

async function physicalIndex(ctx: FaultContext): Promise<string> {
  const url = await ctx.cluster.liveUrl();
  const aliases = (await (await fetch(`${url}/_alias/${ctx.alias}`)).json()) as Record<string, unknown>;
  return Object.keys(aliases)[0]!;
}

function nodeKill(name: string, which: 'replica' | 'primary'): Fault {
  let victim = -1;
  return {
    name,
    holdMs: 15_000,
    async inject(ctx) {
      const where = await ctx.cluster.shardNodes(await physicalIndex(ctx));
      victim = which === 'primary' ? where.primaries[0]! : where.replicas[0]!;
      await ctx.cluster.killNode(victim);
      return {
        killed_node: victim,
        held_primary: where.primaries.includes(victim),
        held_replica: where.replicas.includes(victim),
        was_master: where.master === victim,
      };
    },
    async heal(ctx) {
      await ctx.cluster.startNode(victim);
    },
  };
}

/** The faults of issue 22, in the order `make chaos` runs them. */
export const FAULTS: Record<string, Fault> = {
  'es-node': nodeKill('es-node', 'replica'),
  'es-primary-node': nodeKill('es-primary-node', 'primary'),
  'es-down': {
    name: 'es-down',
    holdMs: 30_000,
    async inject(ctx) {
      for (let i = 0; i < ctx.cluster.nodes; i++) await ctx.cluster.killNode(i);
      return { killed_nodes: ctx.cluster.nodes };
    },
    async heal(ctx) {
      // Every node at once: the first alone cannot elect a master.
      await Promise.all(Array.from({ length: ctx.cluster.nodes }, (_, i) => ctx.cluster.startNode(i)));
    },
  },
  'redis-kill': redisKill('redis-kill', 'everysec'),
  'redis-kill-fsync-always': redisKill('redis-kill-fsync-always', 'always'),
  'process-kill': {
    name: 'process-kill',
    holdMs: 5_000,
    async inject(ctx) {
      await Promise.all([ctx.killApi(0), ctx.killIndexer(0)]);
      return {
        killed: ['api', 'indexer'],
        note: 'the only API and indexer processes, SIGKILLed mid-request and mid-batch; no load balancer retries elsewhere, so requests fail with connection errors until the restart',
      };
    },
    async heal(ctx) {
      await Promise.all([ctx.startApi(0), ctx.startIndexer(0)]);
    },
  },
  'flood-stage': {
    name: 'flood-stage',
    holdMs: 20_000,
    async inject(ctx) {
      // Absolute watermarks are minimum free space: asking for petabytes puts every node over flood stage.
      await ctx.cluster.putClusterSettings({
        'cluster.routing.allocation.disk.threshold_enabled': true,
        'cluster.info.update.interval': '10s',
        'cluster.routing.allocation.disk.watermark.low': '3000tb',
        'cluster.routing.allocation.disk.watermark.high': '2000tb',
        'cluster.routing.allocation.disk.watermark.flood_stage': '1000tb',
      });
      const index = await physicalIndex(ctx);
      const started = Date.now();
      while (!(await readOnly(ctx, index))) {
        if (Date.now() - started > 60_000) throw new Error('flood stage never blocked the index');
        await sleep(500);
      }
      return { index, blocked_after_ms: Date.now() - started };
    },
    async heal(ctx) {
      await ctx.cluster.putClusterSettings({
        'cluster.routing.allocation.disk.watermark.low': '3mb',
        'cluster.routing.allocation.disk.watermark.high': '2mb',
        'cluster.routing.allocation.disk.watermark.flood_stage': '1mb',
      });
      // Elasticsearch lifts the block itself once usage is under the high watermark again.
      const index = await physicalIndex(ctx);
      while (await readOnly(ctx, index)) await sleep(500);
      await ctx.cluster.putClusterSettings({
        'cluster.routing.allocation.disk.threshold_enabled': false,
        'cluster.info.update.interval': null,
        'cluster.routing.allocation.disk.watermark.low': null,
        'cluster.routing.allocation.disk.watermark.high': null,
        'cluster.routing.allocation.disk.watermark.flood_stage': null,
      });
    },
  },
  'slow-es': {
    name: 'slow-es',
    holdMs: 20_000,
    async inject(ctx) {
      for (const p of ctx.proxies) p.delayMs = 2000;
      return {
        delay_ms: 2000,
        applies_to: 'every request from the API to Elasticsearch (the indexer connects directly)',
      };
    },
    async heal(ctx) {
      for (const p of ctx.proxies) p.delayMs = 0;
    },
  },
};

function redisKill(name: string, fsync: 'everysec' | 'always'): Fault {
  return {
    name,
    holdMs: 10_000,
    async prepare(ctx) {
      await ctx.redis.setFsync(fsync);
    },
    async inject(ctx) {
      await ctx.redis.kill();
      return { appendfsync: fsync, signal: 'SIGKILL' };
    },
    async heal(ctx) {
      await ctx.redis.start();
      await ctx.redis.setFsync('everysec');
    },
  };
}

async function readOnly(ctx: FaultContext, index: string): Promise<boolean> {
  const url = await ctx.cluster.liveUrl();
  const res = (await (await fetch(`${url}/${index}/_settings/index.blocks.*?flat_settings=true`)).json()) as Record<
    string,
    { settings: Record<string, string> }
  >;
  return res[index]?.settings['index.blocks.read_only_allow_delete'] === 'true';
}
