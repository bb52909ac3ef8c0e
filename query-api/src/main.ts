import { setFlagsFromString } from 'node:v8';
import { loadConfig } from '../../core/src/index.js';
import { buildApp } from './app.js';

/**
 * The query API process: validate config once, build, listen. SIGTERM/SIGINT: readiness turns 503 at
 * once while requests are still served for SHUTDOWN_DELAY_MS (load balancers and kube-proxy take a
 * moment to stop routing here); then the server stops accepting, finishes in-flight requests, closes
 * its clients and exits 0. Closing waits at most SHUTDOWN_TIMEOUT_MS for connections: one that was
 * opened and never sent a request (a pre-opened pool connection whose client vanished) is neither idle
 * nor in flight, and server.close() would wait for it until the kubelet's SIGKILL.
 */
const config = loadConfig(process.env);
// Latency over memory: each request leaves ~1 KB that only a full GC frees, and with V8's default
// growth the old generation reached its next limit every 2-3 s at 5,000 req/s; each full GC's marking
// (helper threads on the same cores) stalled requests for 10-50 ms. Letting the old generation grow
// to 4x what the last full GC kept spaces them out ~15x (docs/benchmarks.md), for ~150 MB more heap.
if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
const app = await buildApp(config);
await app.listen({ host: config.http.host, port: config.http.port });

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.lifecycle.draining = true;
  app.log.info({ signal, delay_ms: config.shutdownDelayMs }, 'draining: readiness off, then closing');
  await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
  const deadline = setTimeout(() => {
    app.log.warn({ timeout_ms: config.shutdownTimeoutMs }, 'closing connections still open');
    app.server.closeAllConnections();
  }, config.shutdownTimeoutMs);
  deadline.unref();
  try {
    await app.close();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, 'unclean shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
