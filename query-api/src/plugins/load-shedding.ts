import fp from 'fastify-plugin';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { UnavailableError } from '../../../core/src/index.js';

/** How often the event-loop delay is read (and its histogram reset). */
const SAMPLE_MS = 250;

/**
 * Two guards that keep every answer within a bound, whatever a dependency does.
 *
 * The request budget: a request not answered after API_REQUEST_BUDGET_MS gets a 503 with Retry-After
 * then. Each Elasticsearch call has its own timeout, but a route that makes several in a row (feed,
 * similar, events) could add them up; the budget bounds the whole request. The work still running is
 * not cancelled (its result is dropped); what it holds is bounded by the calls' own timeouts.
 *
 * Load shedding when the process itself is the bottleneck: while the event loop lags more than
 * API_MAX_EVENT_LOOP_DELAY_MS, new requests get an immediate 503 with Retry-After instead of queueing
 * behind the stall, so a burst or a blocking stretch cannot turn every request into a multi-second
 * wait. The 503 goes through the one error handler (problem+json). Health routes are exempt: a busy
 * pod is alive, and readiness has its own checks.
 *
 * Why not @fastify/under-pressure, which sheds on the same histogram of Node's: it starts sampling when
 * it is registered and has no way to start over at ready (its 9.2 code: a timer from registration, only
 * memoryUsage/isUnderPressure decorated), so the loop blocked by booting (model load, plugin setup)
 * counts as load and the first requests after start were shed (seen in the chaos runs with this plugin's
 * first version); it also averages over the sample where a stall shows in the maximum. The request
 * budget is not something it does.
 */
export default fp(
  async (app) => {
    const budgetMs = app.config.http.requestBudgetMs;
    const maxDelayMs = app.config.http.maxEventLoopDelayMs;
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let lagMs = 0;
    if (maxDelayMs > 0) {
      histogram.enable();
      const sampler = setInterval(() => {
        lagMs = histogram.max / 1e6;
        histogram.reset();
      }, SAMPLE_MS).unref();
      // Booting blocks the loop (model load, plugin setup): that is not load, so the first sample starts at ready.
      app.addHook('onReady', async () => {
        histogram.reset();
        lagMs = 0;
      });
      app.addHook('onClose', async () => {
        clearInterval(sampler);
        histogram.disable();
      });
    }
    if (budgetMs === 0 && maxDelayMs === 0) return;
    // One synchronous hook for both guards: it runs on every request (see app.ts).
    app.addHook('onRequest', (req, reply, done) => {
      if (req.url.startsWith('/health/')) return done();
      if (maxDelayMs > 0 && lagMs > maxDelayMs) {
        app.metrics.shedRequests.inc({ reason: 'event_loop_delay' });
        return done(
          new UnavailableError('api', `overloaded (event loop lag ${Math.round(lagMs)} ms)`, { retryAfterSeconds: 1 }),
        );
      }
      if (budgetMs > 0) {
        const timer = setTimeout(() => {
          if (reply.sent) return;
          app.metrics.shedRequests.inc({ reason: 'request_budget' });
          void reply.send(
            new UnavailableError('api', `no answer within the ${budgetMs} ms budget`, { retryAfterSeconds: 1 }),
          );
        }, budgetMs);
        reply.raw.once('close', () => clearTimeout(timer));
      }
      done();
    });
  },
  { name: 'load-shedding', dependencies: ['error-handler', 'metrics'] },
);
