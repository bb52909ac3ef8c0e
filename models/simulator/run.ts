/**
 * Drives a running API with simulated users (see click-simulator.ts):
 *   npx tsx models/simulator/run.ts [--api http://127.0.0.1:8080] [--key demo-app-key] [--users 100] [--sessions 5] [--seed 1]
 *
 * The simulator plays the app's backend: its key (default: the one `make demo` configures) needs the
 * events and users scopes.
 * then `npx tsx models/export/interactions.ts` turns the logs into click training data.
 */
import { parseArgs } from 'node:util';
import { simulate, type ApiCall } from './click-simulator.js';

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    key: { type: 'string' },
    users: { type: 'string' },
    sessions: { type: 'string' },
    seed: { type: 'string' },
  },
});
const base = values.api ?? 'http://127.0.0.1:8080';
const api: ApiCall = async (method, path, body) => {
  const headers = {
    'x-api-key': values.key ?? 'demo-app-key',
    ...(body ? { 'content-type': 'application/json' } : {}),
  };
  const res = await fetch(`${base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, json: await res.json().catch(() => null) };
};
const result = await simulate(api, {
  users: Number(values.users ?? 100),
  sessionsPerUser: Number(values.sessions ?? 5),
  seed: Number(values.seed ?? 1),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
