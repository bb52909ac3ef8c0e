import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import { UnavailableError } from '../../../core/src/index.js';

/**
 * Sheds load when the process itself is the bottleneck: while the event loop lags more than
 * API_MAX_EVENT_LOOP_DELAY_MS (sampled by @fastify/under-pressure), new requests get an immediate 503
 * with Retry-After instead of queueing behind the stall, so a slow dependency or a burst cannot turn
 * every request into a multi-second wait. The 503 goes through the one error handler (problem+json).
 * Health routes opt out (route config `pressureHandler` returning nothing): a busy pod is alive.
 */
export default fp(
  async (app) => {
    const maxDelay = app.config.http.maxEventLoopDelayMs;
    if (maxDelay === 0) return;
    await app.register(underPressure, {
      maxEventLoopDelay: maxDelay,
      sampleInterval: 250,
      pressureHandler: async (_req, _reply, type, value) => {
        app.metrics.shedRequests.inc({ reason: String(type) });
        throw new UnavailableError('api', `overloaded (${type} ${typeof value === 'number' ? Math.round(value) : ''})`, { retryAfterSeconds: 1 });
      },
    });
  },
  { name: 'load-shedding', dependencies: ['error-handler', 'metrics'] },
);
