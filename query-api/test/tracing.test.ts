import {
  trace,
  type Span,
  type SpanAttributeValue,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import tracing from '../src/plugins/tracing.js';

interface Recorded {
  name: string;
  attributes: Record<string, SpanAttributeValue>;
  status?: SpanStatus;
  ended: boolean;
}

/** The least of an SDK: a provider that records the spans it is asked for. */
function recordingProvider(spans: Recorded[]): TracerProvider {
  const tracer = {
    startSpan(name: string, options?: { attributes?: Record<string, SpanAttributeValue> }): Span {
      const rec: Recorded = { name, attributes: { ...options?.attributes }, ended: false };
      spans.push(rec);
      const span = {
        setAttribute: (k: string, v: SpanAttributeValue) => ((rec.attributes[k] = v), span),
        setStatus: (s: SpanStatus) => ((rec.status = s), span),
        end: () => void (rec.ended = true),
      };
      return span as unknown as Span;
    },
  } as unknown as Tracer;
  return { getTracer: () => tracer };
}

async function appWithTracing() {
  const app = Fastify({ logger: false });
  await app.register(tracing);
  app.get('/ok/:id', async () => ({ ok: true }));
  app.get('/fails', async () => {
    throw new Error('boom');
  });
  return app;
}

describe('tracing', () => {
  const spans: Recorded[] = [];
  const untraced = appWithTracing();
  afterAll(async () => {
    await (await untraced).close();
    trace.disable();
  });

  it('with no SDK registered, installs no hooks: requests are served, nothing is recorded', async () => {
    const app = await untraced;
    expect((await app.inject({ url: '/ok/1' })).statusCode).toBe(200);
    expect(trace.setGlobalTracerProvider(recordingProvider(spans))).toBe(true);
    // Registered after this app was built: it keeps no hooks, so it still records nothing.
    expect((await app.inject({ url: '/ok/2' })).statusCode).toBe(200);
    expect(spans).toEqual([]);
  });

  it('with an SDK registered first, every request is a server span with its route, status and end', async () => {
    const app = await appWithTracing();
    await app.inject({ url: '/ok/3', headers: { 'x-request-id': 'r1' } });
    await app.inject({ url: '/fails' });
    await app.close();
    expect(spans).toMatchObject([
      { name: 'GET /ok/:id', attributes: { 'http.status_code': 200 }, ended: true },
      { name: 'GET /fails', attributes: { 'http.status_code': 500 }, status: { code: 2 }, ended: true },
    ]);
    expect(spans[0]!.status).toBeUndefined();
    expect(typeof spans[0]!.attributes['http.request_id']).toBe('string');
  });
});
