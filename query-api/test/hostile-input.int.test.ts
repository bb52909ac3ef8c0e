import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS } from '../../test/support/services.js';
import { appWithCatalog, FIXED, search, type TestApp } from './fixtures.js';

/**
 * Issue 21, item 7: public input that used to page the 5xx alert. Each is now a 4xx problem+json with
 * a reason (or a 200): a cursor decoding to null, hand-edited cursors, control characters in
 * autocomplete, path tricks under /docs/static.
 */
let t: TestApp;
beforeAll(async () => {
  t = await appWithCatalog(30);
});
afterAll(async () => t.close());

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The cursor with its payload replaced and its signature kept. */
function tamper(cursor: string, edit: (payload: Record<string, unknown>) => unknown): string {
  const [body, sig] = cursor.split('.');
  return `${b64(edit(JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'))))}.${sig}`;
}

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): { detail?: string } },
  status: number,
  detail?: RegExp,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json().detail).toBeTruthy();
  if (detail) expect(res.json().detail).toMatch(detail);
}

describe('cursors', () => {
  it.each([
    ['relevance', { q: 'nike' }],
    ['a sort', { sort: 'newest' }],
  ])('a cursor decoding to null is a 400 (%s)', async (_, q) => {
    for (const cursor of [
      Buffer.from('null').toString('base64url'),
      `${Buffer.from('null').toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`,
    ]) {
      const res = await t.app.inject({ url: '/v1/search', query: { ...q, cursor } });
      expectProblem(res, 400, /cursor/);
    }
  });

  it('hand-made or edited search_after values never reach Elasticsearch', async () => {
    const first = await search(t.app, { sort: 'newest', size: 3 });
    const cursor = first.body.next_cursor as string;
    expect((await search(t.app, { sort: 'newest', size: 3, cursor })).status).toBe(200);
    for (const forged of [
      tamper(cursor, (p) => ({ ...p, after: ['not a date', 'x'] })),
      tamper(cursor, (p) => ({ ...p, after: [1e308, 'x', 'extra'] })),
      b64({ kind: 'after', after: ['not a date'], h: 'anything' }),
    ]) {
      const res = await t.app.inject({ url: '/v1/search', query: { sort: 'newest', size: '3', cursor: forged } });
      expectProblem(res, 400, /cursor/);
    }
  });

  it("a relevance window cannot be moved onto another query's cursor", async () => {
    const a = await search(t.app, { q: 'nike', size: 2 });
    const b = await search(t.app, { q: 'dress', size: 2 });
    const moved = tamper(a.body.next_cursor, (p) => ({ ...p, window: b.body.query_id }));
    expectProblem(
      await t.app.inject({ url: '/v1/search', query: { q: 'nike', size: '2', cursor: moved } }),
      400,
      /cursor/,
    );
    expectProblem(
      await t.app.inject({ url: '/v1/search', query: { q: 'dress', size: '2', cursor: a.body.next_cursor } }),
      400,
      /different query/,
    );
  });

  it('feed cursors are signed too: an edited offset or the old "id:offset" form is a 400', async () => {
    const first = await t.app.inject({ url: '/v1/feed?size=5' });
    const cursor = first.json().next_cursor as string;
    expect((await t.app.inject({ url: `/v1/feed?size=5&cursor=${cursor}` })).statusCode).toBe(200);
    expectProblem(
      await t.app.inject({ url: `/v1/feed?size=5&cursor=${tamper(cursor, (p) => ({ ...p, offset: 0 }))}` }),
      400,
      /cursor/,
    );
    const old = Buffer.from(`${first.json().feed_id}:5`).toString('base64url');
    expectProblem(await t.app.inject({ url: `/v1/feed?size=5&cursor=${old}` }), 400, /cursor/);
    // A personal feed's later pages need the users scope, as its first page does.
    const like = { user_id: 'u-1', type: 'like', listing_id: 'fx-5', ts: new Date().toISOString() };
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { 'x-api-key': TEST_KEYS.app },
          payload: { events: [like] },
        })
      ).statusCode,
    ).toBe(202);
    const personal = await t.app.inject({
      url: '/v1/feed?size=5&user_id=u-1',
      headers: { 'x-api-key': TEST_KEYS.app },
    });
    expect(personal.json().personalized).toBe(true);
    const next = personal.json().next_cursor as string;
    expectProblem(await t.app.inject({ url: `/v1/feed?size=5&cursor=${next}` }), 401, /personal feed/);
    expect(
      (await t.app.inject({ url: `/v1/feed?size=5&cursor=${next}`, headers: { 'x-api-key': TEST_KEYS.app } }))
        .statusCode,
    ).toBe(200);
    // A search cursor is no feed cursor.
    const s = await search(t.app, { sort: 'newest', size: 3 });
    expectProblem(await t.app.inject({ url: `/v1/feed?cursor=${s.body.next_cursor}` }), 400, /cursor/);
  });
});

describe('autocomplete', () => {
  it.each(['ni\u001fke', '\u001e', 'a\u0000b', 'x\u007f', 'x\u0085'])(
    'control characters in q are a 400 naming q (%j)',
    async (q) => {
      const res = await t.app.inject({ url: '/v1/suggest', query: { q } });
      expectProblem(res, 400);
      expect(res.json().invalid_params[0].name).toBe('q');
    },
  );

  it('whitespace controls (tab, newline) are whitespace: 200', async () => {
    const res = await t.app.inject({ url: '/v1/suggest', query: { q: 'ni\tk' } });
    expect(res.statusCode).toBe(200);
  });
});

describe('/docs/static', () => {
  it.each([
    '/docs/static/%00',
    '/docs/static/..%5c..%5cpackage.json',
    '/docs/static/../../package.json',
    '/docs/static/%2e%2e%2f%2e%2e%2fpackage.json',
    '/docs/static/%',
  ])('%s is a 4xx problem+json', async (url) => {
    // With the operator key, so the request reaches the static file handler.
    const res = await t.app.inject({ url, headers: { 'x-api-key': TEST_KEYS.operator } });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toMatch(/marketplace-search/);
  });

  it('serves the UI files themselves', async () => {
    const res = await t.app.inject({
      url: '/docs/static/swagger-ui.css',
      headers: { 'x-api-key': TEST_KEYS.operator },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('what an ingest key may write (issue 21, items 6 and 8)', () => {
  const listing = { ...FIXED[0]!, id: 'shop:1' };
  const event = {
    op: 'upsert',
    listing_id: 'shop:1',
    version: Date.now() - 1000,
    listing,
    emitted_at: new Date().toISOString(),
  };
  const post = (events: unknown[]) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/listings/changes',
      headers: { 'x-api-key': TEST_KEYS.ingest },
      payload: { events },
    });

  it.each([
    ['a listing_id other than listing.id', { ...event, listing_id: 'shop:2' }, /listing_id must equal listing.id/],
    [
      'created_at in 9999',
      { ...event, listing: { ...listing, created_at: '9999-01-01T00:00:00Z' } },
      /created_at is more than 1 day ahead/,
    ],
    [
      'version 2^53-1 (the listing frozen forever)',
      { ...event, version: Number.MAX_SAFE_INTEGER },
      /version is more than 1 day ahead/,
    ],
    ['a like count beyond the index integer', { ...event, listing: { ...listing, like_count: 2 ** 31 } }, /like_count/],
    ['30 February', { ...event, listing: { ...listing, updated_at: '2026-02-30T10:00:00Z' } }, /updated_at/],
    ['hour 24', { ...event, emitted_at: '2026-11-30T24:00:00Z' }, /emitted_at/],
    [
      'an offset of +23:00',
      { ...event, listing: { ...listing, created_at: '2026-11-30T10:00:00+23:00' } },
      /created_at/,
    ],
  ])('refuses %s with a 400 naming it', async (_, bad, detail) => {
    expectProblem(await post([event, bad]), 400, detail);
  });

  it('takes the same event within the bounds', async () => {
    const res = await post([event]);
    expect(res.statusCode).toBe(202);
  });
});
