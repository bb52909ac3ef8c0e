import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import fp from 'fastify-plugin';

/**
 * OpenTelemetry hooks: a server span per request through the global tracer. Without an SDK registered
 * (the default) these are no-ops; a deployment that registers one (e.g. with OTEL_EXPORTER_OTLP_ENDPOINT
 * and @opentelemetry/sdk-node in a preload) gets traces with no code change here.
 */
export default fp(
  async (app) => {
    const tracer = trace.getTracer('query-api');
    const spans = new WeakMap<object, Span>();
    app.addHook('onRequest', async (req) => {
      spans.set(
        req,
        tracer.startSpan(`${req.method} ${req.routeOptions.url ?? 'unknown'}`, {
          kind: SpanKind.SERVER,
          attributes: { 'http.request_id': String(req.id) },
        }),
      );
    });
    app.addHook('onResponse', async (req, reply) => {
      const span = spans.get(req);
      if (!span) return;
      span.setAttribute('http.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  },
  { name: 'tracing' },
);
