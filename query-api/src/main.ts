import { loadConfig } from '../../core/src/index.js';
import { buildApp } from './app.js';

/**
 * The query API process: validate config once, build, listen. SIGTERM/SIGINT: readiness turns 503,
 * new connections are refused, in-flight requests finish, clients close, exit 0.
 */
const config = loadConfig(process.env);
const app = await buildApp(config);
await app.listen({ host: config.http.host, port: config.http.port });

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'draining in-flight requests');
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
