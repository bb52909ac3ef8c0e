import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithCatalog, AS_OPERATOR, search, type TestApp } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await appWithCatalog(0);
});
afterAll(async () => t.close());

describe('bad input is a 400 problem+json naming the parameter', () => {
  it.each([
    [{ size: 0 }, 'size'],
    [{ size: 101 }, 'size'],
    [{ size: 'ten' }, 'size'],
    [{ condition: 'mint' }, 'condition'],
    [{ condition: 'new,broken' }, 'condition'],
    [{ sort: 'cheapest' }, 'sort'],
    [{ status: 'reserved' }, 'status'],
    [{ shipping_payer: 'nobody' }, 'shipping_payer'],
    [{ price_min: 'cheap' }, 'price_min'],
    [{ price_max: -5 }, 'price_max'],
    // Ajv coerces "Infinity" / "1e309" and then lets them past integer, minimum and maximum;
    // 1e20 is an integer that overflows Elasticsearch's long.
    [{ price_min: 'Infinity' }, 'price_min'],
    [{ size: '1e309' }, 'size'],
    [{ size: '-Infinity' }, 'size'],
    [{ price_max: '99999999999999999999' }, 'price_max'],
    [{ rank: 'random' }, 'rank'],
    [{ q: 'x'.repeat(201) }, 'q'],
    [{ colour: 'red' }, 'colour'],
  ])('%j -> 400 naming %s', async (query, param) => {
    const res = await search(t.app, query as Record<string, string | number>);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_input', title: 'Bad Request' });
    expect(res.body.invalid_params.map((p: { name: string }) => p.name)).toContain(param);
    expect(res.body.request_id).toBeTruthy();
  });

  it.each(['/v1/suggest?q=ni&size=Infinity', '/v1/feed?size=Infinity', '/v1/listings/fx-1/similar?size=1e309'])(
    '%s -> 400 naming size',
    async (url) => {
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(400);
      expect(res.json().invalid_params).toEqual([{ name: 'size', reason: 'must be a finite number' }]);
    },
  );

  it('rejects a cursor that is garbage or belongs to another query', async () => {
    expect((await search(t.app, { q: 'nike', cursor: 'not-a-cursor' })).body.invalid_params[0].name).toBe('cursor');
    const first = await search(t.app, { sort: 'newest', size: 2 });
    expect(first.body.next_cursor).toBeTruthy();
    const other = await search(t.app, { sort: 'price_asc', size: 2, cursor: first.body.next_cursor });
    expect(other.status).toBe(400);
    expect(other.body.detail).toMatch(/different query/);
  });

  it('suggest needs q; unknown routes are problem+json 404s', async () => {
    const s = await t.app.inject({ url: '/v1/suggest' });
    expect(s.statusCode).toBe(400);
    expect(s.json().invalid_params[0].name).toBe('q');
    const nf = await t.app.inject({ url: '/v2/nothing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().code).toBe('not_found');
    const sim = await t.app.inject({ url: '/v1/listings/does-not-exist/similar' });
    expect(sim.statusCode).toBe(404);
    // Rejected by the router before any route runs: still problem+json.
    const long = await t.app.inject({ url: `/v1/listings/${'x'.repeat(500)}/similar` });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(long.json()).toMatchObject({ status: 414, code: 'fst_err_max_param_length', title: 'URI Too Long' });
  });

  it("every answer names its request: the caller's x-request-id when well-formed, else a new one", async () => {
    const mine = { 'x-request-id': 'trace-42.a' };
    const answers = await Promise.all(
      ['/v1/search?q=x', '/v1/search?size=0', '/v2/nothing', `/v1/listings/${'x'.repeat(500)}/similar`].map((url) =>
        t.app.inject({ url, headers: mine }),
      ),
    );
    expect(answers.map((r) => r.statusCode)).toEqual([200, 400, 404, 414]);
    for (const r of answers) expect(r.headers['x-request-id']).toBe('trace-42.a');
    const problem = answers[1]!.json();
    expect(problem.request_id).toBe('trace-42.a');
    const made = await t.app.inject({ url: '/v1/search?q=x', headers: { 'x-request-id': 'no spaces allowed' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ingestion needs an API key and valid events', async () => {
    const noKey = await t.app.inject({ method: 'POST', url: '/v1/listings/changes', payload: { events: [{}] } });
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json().code).toBe('unauthorized');
    const wrongKey = await t.app.inject({
      method: 'POST',
      url: '/v1/listings/changes',
      headers: { 'x-api-key': 'nope' },
      payload: { events: [{}] },
    });
    expect(wrongKey.statusCode).toBe(401);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/listings/changes',
      headers: { 'x-api-key': 'test-key' },
      payload: { events: [{ op: 'delete', listing_id: 'x', version: 0, emitted_at: '2026-11-01T00:00:00Z' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/event\[0\].*version/);
    // 1e400 parses as Infinity: an integer check that let it through would send null to Elasticsearch.
    const infinite = await t.app.inject({
      method: 'POST',
      url: '/v1/listings/changes',
      headers: { 'x-api-key': 'test-key', 'content-type': 'application/json' },
      payload:
        '{"events": [{"op": "delete", "listing_id": "x", "version": 1e400, "emitted_at": "2026-11-01T00:00:00Z"}]}',
    });
    expect(infinite.statusCode).toBe(400);
    expect(infinite.json().detail).toMatch(/version/);
    const empty = await t.app.inject({
      method: 'POST',
      url: '/v1/listings/changes',
      headers: { 'x-api-key': 'test-key' },
      payload: { events: [] },
    });
    expect(empty.statusCode).toBe(400);
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/v1/listings/changes',
      headers: { 'x-api-key': 'test-key', 'content-type': 'application/json' },
      payload: '{"events": [',
    });
    expect(notJson.statusCode).toBe(400);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/listings/changes',
      headers: { 'x-api-key': 'test-key' },
      payload: { events: [{ op: 'delete', listing_id: 'fx-1', version: 5, emitted_at: '2026-11-01T00:00:00Z' }] },
    });
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toEqual({ accepted: 1 });
  });

  it('serves OpenAPI at /docs and Prometheus metrics at /metrics', async () => {
    const spec = await t.app.inject({ url: '/docs/json', headers: AS_OPERATOR });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths)).toEqual(
      expect.arrayContaining(['/v1/search', '/v1/suggest', '/v1/feed', '/v1/listings/{id}/similar', '/v1/events']),
    );
    await search(t.app, { q: 'nike' });
    const metrics = (await t.app.inject({ url: '/metrics', headers: AS_OPERATOR })).body;
    for (const name of [
      'api_request_duration_seconds_bucket',
      'api_cache_requests_total',
      'api_ranker_duration_seconds',
      'api_es_duration_seconds',
    ])
      expect(metrics).toContain(name);
    // The search above is held in the in-process layer: the gauges read the cache at the scrape.
    expect(Number(/^api_cache_memory_entries (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^api_cache_memory_bytes (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(100);
  });

  it('answers 503 with Retry-After when Elasticsearch is gone, never a 500', async () => {
    const { buildApp } = await import('../src/app.js');
    const app = await buildApp(t.config, { logger: false });
    await app.es.close(); // as if the cluster went away
    const res = await app.inject({ url: '/v1/search?q=uncached+query+text' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json().code).toBe('backend_unavailable');
    await app.close();
  });
});
