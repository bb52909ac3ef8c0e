import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ForbiddenError,
  RateLimitedError,
  redisKeys,
  UnauthorizedError,
  type ApiScope,
} from '../../../core/src/index.js';
import { SharedRateCounts, sharedRateLimitStore } from './rate-limit-store.js';

/** Callers whose counts a pod holds at once (about 150 bytes each): the least recently seen go first. */
const RATE_LIMIT_CALLERS_COUNTED = 100_000;

/** Who is calling: the holder of a service key and what it may do. Anonymous callers have none. */
export interface Caller {
  name: string;
  scopes: ReadonlySet<ApiScope>;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyInstance {
    /** An onRequest hook that lets through only callers whose key has `scope` (operator routes, ingestion, events). */
    requireScope(scope: ApiScope): onRequestAsyncHookHandler;
  }
}

/** Browsers prompt for Basic credentials on this challenge, so an operator can open /docs or /workbench. */
const OPERATOR_CHALLENGE = 'Basic realm="operator", charset="UTF-8"';
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Throws unless the request's caller holds `scope`: 401 without a key, 403 with a key that lacks it.
 * For rules that depend on the parsed request (a feed *for a user*, a search *of suspended listings*).
 */
export function assertScope(req: FastifyRequest, scope: ApiScope, what: string): void {
  if (!req.caller)
    throw new UnauthorizedError(
      `${what} needs a service key with the ${scope} scope`,
      scope === 'operator' ? { challenge: OPERATOR_CHALLENGE } : {},
    );
  if (!req.caller.scopes.has(scope))
    throw new ForbiddenError(`${what} needs the ${scope} scope; key "${req.caller.name}" does not have it`);
}

/** The key a request presents: `x-api-key`, or the password of HTTP Basic (what a browser sends after the challenge). */
function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * Callers and their limits (the trust model is in docs/operations.md). Every request is resolved to a
 * caller once, before anything else runs: a known service key (x-api-key or Basic) gives its name and
 * scopes, no key makes the caller anonymous, and an unknown key is a 401 at once (a typo must not
 * silently downgrade the app's backend to anonymous limits). Routes then ask for a scope.
 *
 * Rate limits (@fastify/rate-limit, counted in process and shared by every pod through Redis in
 * batches: rate-limit-store.ts): per key name for service callers, per client address for anonymous
 * ones. A Redis outage leaves each pod counting alone rather than failing the request: the limiter
 * protects the service, it must not become a way to take it down.
 */
export default fp(
  async (app: FastifyInstance) => {
    const keys = app.config.apiKeys.map((k) => ({
      digest: digest(k.secret),
      caller: { name: k.name, scopes: new Set(k.scopes) } satisfies Caller,
    }));

    app.decorateRequest('caller', undefined);
    // Synchronous: it runs on every request (see app.ts).
    app.addHook('onRequest', (req, _reply, done) => {
      const given = presentedKey(req);
      if (given === undefined) return done();
      // Digests have one length, so timingSafeEqual never throws; each key is compared (no early exit).
      const d = digest(given);
      let found: Caller | undefined;
      for (const k of keys) if (timingSafeEqual(k.digest, d)) found = k.caller;
      if (!found) return done(new UnauthorizedError('unknown API key'));
      req.caller = found;
      done();
    });

    app.decorate(
      'requireScope',
      (scope: ApiScope): onRequestAsyncHookHandler =>
        async (req) =>
          assertScope(req, scope, `${req.method} ${req.routeOptions.url ?? req.url}`),
    );

    const { anonymousPerMinute, keyPerMinute } = app.config.rateLimit;
    const rateLimitKeys = redisKeys(app.config.redis.namespace).rateLimit;
    const limitOf = (req: FastifyRequest) => (req.caller ? keyPerMinute : anonymousPerMinute);
    const counts = new SharedRateCounts(app.redis, rateLimitKeys.nameSpace, {
      syncMs: app.config.rateLimit.syncMs,
      maxKeys: RATE_LIMIT_CALLERS_COUNTED,
    });
    app.addHook('onClose', () => counts.close());
    await app.register(rateLimit, {
      global: true,
      timeWindow: 60_000,
      max: (req) => limitOf(req),
      allowList: (req) => limitOf(req) === 0,
      keyGenerator: (req) => (req.caller ? rateLimitKeys.forKey(req.caller.name) : rateLimitKeys.forAddress(req.ip)),
      store: sharedRateLimitStore(counts),
      errorResponseBuilder: (_req, ctx) => new RateLimitedError(Math.max(1, Math.ceil(ctx.ttl / 1000))),
    });
  },
  { name: 'auth', dependencies: ['redis', 'error-handler'] },
);
