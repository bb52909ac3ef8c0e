/**
 * Fixed-rate GET load with vegeta (Go, https://github.com/tsenart/vegeta), for the rates where the
 * generator's own cost shows in the tail: at 5,000 req/s against a server that answers from a
 * prepared buffer, our Node generator (bench/open-loop.ts) measured p99 1.5-13 ms from run to run and
 * vegeta 1.4-4.8 ms on the same 2 cores (bench/search.ts reports this floor with every run). Vegeta is open loop too: it
 * starts a request on every tick, adding workers (up to maxWorkers) when all are busy, so a stall is
 * counted, not waited out. scripts/bench.sh installs it with `go install` into .data/tools/bin.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { OpenLoopResult } from './open-loop.js';
import { root, round, summarizeLatencies as summarize, uniqueSuffix } from './support.js';

const VEGETA = join(root, '.data/tools/bin/vegeta');

export const vegetaAvailable = () => existsSync(VEGETA);

/**
 * `urls` are cycled through (vegeta's round robin over its targets), `rate` per second for `seconds`.
 * `onResult` sees every successful request: when it was sent (epoch ms) and its latency.
 */
export async function vegetaAttack(opts: {
  urls: string[];
  rate: number;
  seconds: number;
  workers?: number;
  maxWorkers?: number;
  onResult?: (sentAt: number, ms: number) => void;
}): Promise<OpenLoopResult & { generator: string }> {
  mkdirSync(join(root, '.data/bench'), { recursive: true });
  const targets = join(root, `.data/bench/vegeta-targets-${uniqueSuffix()}.txt`);
  writeFileSync(targets, opts.urls.map((u) => `GET ${u}\n`).join('\n'));
  const results = `${targets}.bin`;
  // Results go to a file and are read after the attack: decoding them live would put this process's
  // work on the cores the measured server needs.
  const attack = spawn(
    VEGETA,
    [
      'attack',
      `-targets=${targets}`,
      `-rate=${opts.rate}`,
      `-duration=${opts.seconds}s`,
      `-workers=${opts.workers ?? 64}`,
      `-max-workers=${opts.maxWorkers ?? 1024}`,
      '-keepalive=true',
      `-output=${results}`,
    ],
    { stdio: 'inherit' },
  );
  const code = await new Promise<number | null>((res) => attack.once('exit', res));
  if (code !== 0) throw new Error(`vegeta attack exited with ${code}`);
  const encode = spawn(VEGETA, ['encode', '--to', 'json', results], { stdio: ['ignore', 'pipe', 'inherit'] });
  const latencies: number[] = [];
  const bySecond: number[][] = Array.from({ length: Math.ceil(opts.seconds) }, () => []);
  let start: number | undefined;
  let non2xx = 0;
  let errors = 0;
  let requests = 0;
  for await (const line of createInterface({ input: encode.stdout })) {
    if (!line) continue;
    const r = JSON.parse(line) as { timestamp: string; latency: number; code: number; error: string };
    requests++;
    if (r.error && r.code === 0) errors++;
    else if (r.code < 200 || r.code >= 300) non2xx++;
    else {
      const at = Date.parse(r.timestamp);
      start ??= at;
      const ms = r.latency / 1e6;
      latencies.push(ms);
      opts.onResult?.(at, ms);
      bySecond[Math.min(bySecond.length - 1, Math.max(0, Math.floor((at - start) / 1000)))]!.push(ms);
    }
  }
  rmSync(targets, { force: true });
  rmSync(results, { force: true });
  return {
    generator: 'vegeta',
    target_req_per_s: opts.rate,
    requests_per_s: round(requests / opts.seconds, 0),
    requests,
    latency_ms: summarize(latencies),
    non_2xx: non2xx,
    errors,
    p99_ms_by_second: bySecond.map((l) => summarize(l).p99),
  };
}
