import type { FastifyInstance, FastifyPluginAsync, RouteShorthandOptions } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWorkbenchPage } from '../workbench/page.js';

/** The page's scripts and style, next to the compiled routes in dist too (scripts/build.sh copies them). */
const ASSET_DIR = join(import.meta.dirname, '..', 'workbench', 'assets');
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Images come from the listings' own hosts; everything else from this origin only: the page renders
 * listing text, so no inline script may ever run.
 */
const CSP =
  "default-src 'self'; img-src * data:; script-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Options every workbench route is registered with: THE place for its access control. Operators only:
 * a browser opening /workbench gets the operator Basic challenge (plugins/auth.ts) and then sends the
 * operator key as the Basic password with every same-origin call; a key typed into the page's key field
 * is sent as x-api-key instead (another key, or a client without the prompt). The data routes the page
 * calls keep their own scopes (explain: operator; feed and search for a user: users).
 */
export function workbenchRouteOptions(app: FastifyInstance): RouteShorthandOptions {
  return { schema: { hide: true }, onRequest: app.requireScope('operator') };
}

/** Reads the assets once at start-up: three small files, served from memory with a content hash. */
function loadAssets() {
  const assets = new Map<string, { body: Buffer; type: string }>();
  const hash = createHash('sha1');
  for (const name of ['workbench.js', 'workbench.css', 'judgments.js', 'recs.js', 'render.js']) {
    const body = readFileSync(join(ASSET_DIR, name));
    hash.update(body);
    assets.set(name, { body, type: TYPES[name.slice(name.lastIndexOf('.'))]! });
  }
  return { assets, version: hash.digest('hex').slice(0, 10) };
}

/**
 * The relevance workbench: a server-rendered page at /workbench plus its vanilla scripts (no framework,
 * no build step). See README "Workbench".
 */
export const workbenchRoutes: FastifyPluginAsync = async (app) => {
  const { assets, version } = loadAssets();
  const page = renderWorkbenchPage(version);
  const options = workbenchRouteOptions(app);

  app.get('/workbench', options, async (_req, reply) => {
    reply
      .header('content-security-policy', CSP)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff');
    return reply.type('text/html; charset=utf-8').send(page);
  });

  app.get<{ Params: { name: string } }>('/workbench/assets/:name', options, async (req, reply) => {
    const asset = assets.get(req.params.name);
    if (!asset) return reply.callNotFound();
    // URLs carry the content hash (?v=), so a browser may keep them; a new deploy changes the URL.
    reply.header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff');
    return reply.type(asset.type).send(asset.body);
  });
};
