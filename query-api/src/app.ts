import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { loggerOptions, type Config } from '../../core/src/index.js';
import auth from './plugins/auth.js';
import cache from './plugins/cache.js';
import freshListings from './plugins/fresh-listings.js';
import recentListings from './plugins/recent-listings.js';
import popularLists from './plugins/popular-lists.js';
import elasticsearch from './plugins/elasticsearch.js';
import errorHandler, { sendFrameworkError } from './plugins/error-handler.js';
import finiteNumbers from './plugins/finite-numbers.js';
import loadShedding from './plugins/load-shedding.js';
import metrics from './plugins/metrics.js';
import producer from './plugins/producer.js';
import embedder from './plugins/embedder.js';
import feedRanker from './plugins/feed-ranker.js';
import ranker from './plugins/ranker.js';
import redis from './plugins/redis.js';
import tracing from './plugins/tracing.js';
import { registerRoutes } from './routes/index.js';
import './types.js';

export interface BuildOptions {
  /** false silences logs (tests); default: pino JSON per core logger options. */
  logger?: boolean;
}

/**
 * The one place the API is wired: config, clients, cache, ranker, routes. Tests build it and use
 * `inject`; main.ts builds it and listens.
 */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(config, 'query-api'),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // Fastify's two lines per request ("incoming request", "request completed") only at debug: at 5,000
    // req/s a pod would write 10,000 lines/s. Errors and rejections are logged (error-handler.ts), each
    // route's latency and status count are in /metrics, and the ingress keeps an access log.
    logController: new LogController({ disableRequestLogging: !['debug', 'trace'].includes(config.logLevel) }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: true } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: sendFrameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('lifecycle', { draining: false });
  // Synchronous hooks on every request (here and in the plugins): an async one costs a promise and a
  // microtask turn per request, which showed in the cache-hit profile (docs/benchmarks.md).
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  await app.register(errorHandler);
  await app.register(finiteNumbers);
  await app.register(metrics);
  await app.register(tracing);
  await app.register(loadShedding);
  await app.register(elasticsearch);
  await app.register(redis);
  await app.register(auth);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Marketplace search API',
        version: '1.0.0',
        description: 'Search bar, autocomplete, home feed, similar items, ingestion.',
      },
    },
  });
  // The API's docs are for the people who run and integrate it: operator scope, like explain and metrics.
  await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest: app.requireScope('operator') } });
  await app.register(ranker);
  await app.register(feedRanker);
  await app.register(embedder);
  await app.register(cache);
  await app.register(freshListings);
  await app.register(recentListings);
  await app.register(popularLists);
  await app.register(producer);
  await registerRoutes(app);
  return app;
}
