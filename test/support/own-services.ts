import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/**
 * Servers of a test's or benchmark's own, for fault injection: never the shared Redis on 6379 or
 * Elasticsearch on 9200, which other people's work depends on. Why a skip is needed, if one is.
 */
export function ownServicesMissing(need: 'elasticsearch' | 'redis' = 'elasticsearch'): string | undefined {
  if (need === 'redis')
    return spawnSync('redis-server', ['--version']).status === 0
      ? undefined
      : 'redis-server is not installed (scripts/redis.sh start installs it)';
  if (!existsSync(resolve(root, 'infra/elasticsearch/target/classpath.txt')))
    return 'the Elasticsearch launcher is not built (run scripts/elasticsearch.sh start once)';
  return undefined;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Redis server of our own (never the shared one): started as a child process (not daemonized) so
 * its pid is ours to SIGKILL; AOF on, restarted from the same folder, so a restart replays the AOF.
 */
export class OwnRedis {
  private child: ChildProcess | undefined;
  readonly dir: string;
  constructor(
    readonly port: number,
    private fsync: 'everysec' | 'always' = 'everysec',
  ) {
    this.dir = resolve(root, `.data/chaos-redis-${port}`);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        this.fsync,
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        '--logfile',
        `${this.dir}/redis.log`,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (
        await this.cli('ping').then(
          (o) => o.includes('PONG'),
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`redis on :${this.port} did not start; see ${this.dir}/redis.log`);
  }

  /** SIGKILL: no shutdown, no final fsync; what survives is what the AOF already had. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async setFsync(mode: 'everysec' | 'always'): Promise<void> {
    this.fsync = mode;
    await this.cli('config', 'set', 'appendfsync', mode);
  }

  cli(...args: string[]): Promise<string> {
    return run('redis-cli', ['-p', String(this.port), ...args]).then((r) => r.stdout);
  }

  async stop(): Promise<void> {
    await this.cli('shutdown', 'nosave').catch(() => undefined);
    await this.kill();
  }
}

/** Our own N-node Elasticsearch cluster (one process per node) through scripts/elasticsearch.sh. */
export class OwnCluster {
  constructor(
    readonly port: number,
    readonly nodes: number,
    private readonly heap = '512m',
  ) {}

  private env() {
    return { ...process.env, ES_PORT: String(this.port), ES_HEAP: this.heap };
  }

  private script(...args: string[]): Promise<string> {
    return run(resolve(root, 'scripts/elasticsearch.sh'), args, { env: this.env(), maxBuffer: 1 << 20 }).then(
      (r) => r.stdout,
    );
  }

  nodeUrls(): string[] {
    return Array.from({ length: this.nodes }, (_, i) => `http://127.0.0.1:${this.port + i}`);
  }

  start(): Promise<string> {
    return this.script('start', String(this.nodes));
  }

  stop(): Promise<string> {
    return this.script('stop');
  }

  killNode(i: number): Promise<string> {
    return this.script('kill-node', String(i));
  }

  /** Starts node i and waits until it is a member again. */
  startNode(i: number): Promise<string> {
    return this.script('start-node', String(i), String(this.nodes));
  }

  /** Node index (0-based) of each copy of the index's shards: where the primaries and replicas are. */
  async shardNodes(index: string): Promise<{ primaries: number[]; replicas: number[]; master: number }> {
    const url = await this.liveUrl();
    const shards = (await (
      await fetch(`${url}/_cat/shards/${index}?format=json&h=prirep,node,state`)
    ).json()) as Array<{ prirep: string; node: string | null }>;
    const master = (await (await fetch(`${url}/_cat/master?format=json`)).json()) as Array<{ node: string }>;
    const nodeIndex = (name: string | null) => (name ? Number(name.replace('node-', '')) - 1 : -1);
    return {
      primaries: shards.filter((s) => s.prirep === 'p').map((s) => nodeIndex(s.node)),
      replicas: shards.filter((s) => s.prirep === 'r').map((s) => nodeIndex(s.node)),
      master: nodeIndex(master[0]?.node ?? null),
    };
  }

  /** The first node that answers. */
  async liveUrl(): Promise<string> {
    for (const url of this.nodeUrls()) {
      if (
        await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        )
      )
        return url;
    }
    throw new Error('no Elasticsearch node answers');
  }

  async waitForStatus(status: 'green' | 'yellow', timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const url = await this.liveUrl().catch(() => undefined);
      if (url) {
        const res = await fetch(`${url}/_cluster/health?wait_for_status=${status}&timeout=5s`).catch(() => undefined);
        if (res?.ok && ((await res.json()) as { timed_out: boolean }).timed_out === false) return;
      }
      await sleep(500);
    }
    throw new Error(`cluster not ${status} after ${timeoutMs} ms`);
  }

  async putClusterSettings(persistent: Record<string, unknown>): Promise<void> {
    const url = await this.liveUrl();
    const res = await fetch(`${url}/_cluster/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persistent }),
    });
    if (!res.ok) throw new Error(`cluster settings: ${res.status} ${await res.text()}`);
  }
}

/**
 * A TCP proxy in front of an Elasticsearch node that can delay the requests through it: the "slow
 * Elasticsearch" fault (a search taking 2 s) without touching the cluster. Hand-written because it is
 * twenty lines of node:net and no maintained package injects latency per connection at run time.
 */
export class DelayProxy {
  delayMs = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.target });
      this.sockets.add(client).add(upstream);
      // Chunks leave in the order they came, each no earlier than its own delay (a delay switched off
      // mid-stream must not let a later chunk overtake a held one).
      let chain = Promise.resolve();
      client.on('data', (chunk) => {
        const due = performance.now() + this.delayMs;
        chain = chain.then(async () => {
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          if (upstream.writable) upstream.write(chunk);
        });
      });
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }
}
