import { ProxyTracerProvider, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import fp from 'fastify-plugin';

/** Whether an OpenTelemetry SDK registered a tracer provider (the global one is a proxy until then). */
function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer('query-api') !== undefined;
}

/**
 * OpenTelemetry hooks: a server span per request through the global tracer. A deployment that preloads
 * an SDK (e.g. with OTEL_EXPORTER_OTLP_ENDPOINT and @opentelemetry/sdk-node in NODE_OPTIONS) gets traces
 * with no code change here. Without one the hooks are not installed at all: no-op spans still cost two
 * hooks and a map entry per request, ~1.5 % of a cache hit's CPU (docs/benchmarks.md). A preload
 * registers before the app is built, which is when this looks.
 */
export default fp(
  async (app) => {
    if (!tracingRegistered()) return;
    const tracer = trace.getTracer('query-api');
    const spans = new WeakMap<object, Span>();
    app.addHook('onRequest', (req, _reply, done) => {
      spans.set(
        req,
        tracer.startSpan(`${req.method} ${req.routeOptions.url ?? 'unknown'}`, {
          kind: SpanKind.SERVER,
          attributes: { 'http.request_id': String(req.id) },
        }),
      );
      done();
    });
    app.addHook('onResponse', (req, reply, done) => {
      const span = spans.get(req);
      if (span) {
        span.setAttribute('http.status_code', reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      done();
    });
  },
  { name: 'tracing' },
);
