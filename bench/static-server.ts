/**
 * The load generator's floor: a server that answers every request with the same prepared bytes (no
 * routing, no cache, no serialization). What a generator measures against it at a given rate is what
 * the machine and the generator add to any measurement at that rate.
 *
 *   node --import tsx bench/static-server.ts <port> <body bytes>
 */
import { createServer } from 'node:http';

const [port, bytes] = process.argv.slice(2).map(Number);
const body = Buffer.from(JSON.stringify({ items: [], pad: 'x'.repeat(Math.max(0, (bytes ?? 8000) - 22)) }));
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}).listen(port, '127.0.0.1', () => process.stderr.write(`static server on :${port}\n`));
