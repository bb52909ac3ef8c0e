import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS } from '../../../test/support/services.js';
import { appWithCatalog, FIXED, type TestApp } from '../fixtures.js';
import {
  apiKey,
  cursorFrom,
  cursorPick,
  extraParam,
  FUZZ_SEED,
  hostile,
  queryString,
  rawBytes,
  runs,
  searchQuery,
  words,
} from './inputs.js';
import { body, contentType, interactionEvent } from './payloads.js';
import { contractBroken, Tally } from './responses.js';

/**
 * Issue 21's fuzz suite, reading routes and events: seeded fast-check inputs, schema-shaped and hostile,
 * sent with `inject` to the app on real Elasticsearch and Redis with a small indexed catalog. Whatever
 * is sent: no 5xx, and every 4xx is problem+json with a reason. Each route also has to have answered
 * 200 to a good share of its inputs, so the suite cannot pass by rejecting everything at the door.
 */
let t: TestApp;
const searchCursors: string[] = [];
const feedCursors: string[] = [];
const tallies = new Map<string, Tally>();

beforeAll(async () => {
  // A generous Elasticsearch timeout: a slow shared machine must not pass for a 503 of ours.
  t = await appWithCatalog(40, { ES_REQUEST_TIMEOUT_MS: '30000' });
});
afterAll(async () => {
  for (const [route, tally] of tallies) process.stdout.write(`fuzz ${route}: ${tally}\n`);
  await t.close(); // drops the test's index and Redis keys
});

/** Sends one request, checks the contract, keeps issued cursors for later inputs. */
async function send(route: string, opts: InjectOptions, key?: string): Promise<void> {
  const res = await t.app.inject({
    ...opts,
    headers: { ...(opts.headers ?? {}), ...(key ? { 'x-api-key': key } : {}) },
  });
  const tally = tallies.get(route) ?? new Tally();
  tallies.set(route, tally);
  tally.add(res.statusCode);
  const broken = contractBroken(res);
  if (broken) throw new Error(`${opts.method ?? 'GET'} ${opts.url}: ${broken}`);
  if (res.statusCode === 200 && (route === 'search' || route === 'feed')) {
    const next = res.json<{ next_cursor?: string | null }>().next_cursor;
    const pool = route === 'search' ? searchCursors : feedCursors;
    if (next && pool.length < 200) pool.push(next);
  }
}

/**
 * fc.assert over batches of BATCH inputs sent at once: the requests wait on Elasticsearch and Redis, not
 * on this process, so a batch costs about one request's latency. A failure reports the batch and the
 * seed without shrinking (endOnFailure): shrinking would replay hundreds of requests on live services.
 * The inputs are seeded; the cursors issued during a run are not (random window ids and secret), so a
 * replay picks the same kind of cursor, not the same bytes.
 */
const BATCH = 6;
/** Generous: ~2,000 requests per route take 1-15 s on a quiet machine, several times that on a busy one. */
const TIMEOUT_MS = 240_000;
function checkAll<T>(arb: fc.Arbitrary<T>, n: number, send1: (input: T) => Promise<void>) {
  return fc.assert(
    fc.asyncProperty(fc.array(arb, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      await Promise.all(batch.map(send1));
    }),
    { seed: FUZZ_SEED, numRuns: Math.ceil(runs(n) / BATCH), endOnFailure: true },
  );
}

const params = (q: Record<string, string>, extra: [string, string] | null): Record<string, string> =>
  extra ? { ...q, [extra[0]]: extra[1] } : { ...q };

function expectMostlyAnswered(route: string, min: number) {
  const tally = tallies.get(route)!;
  expect(
    tally.count((s) => s === 200 || s === 202),
    `${route}: ${tally}`,
  ).toBeGreaterThanOrEqual(min);
}

describe('fuzz: public routes never 5xx, and every 4xx is problem+json with a reason', () => {
  it.each([
    ['search', '/v1/search', 2000, 400],
    // Explain re-ranks with features on every call (never cached): fewer inputs, same contract.
    ['explain', '/v1/search/explain', 600, 100],
  ])(
    'GET %s',
    async (route, path, n, min) => {
      await checkAll(
        fc.tuple(searchQuery, rawBytes, cursorPick, fc.nat(9), apiKey),
        n,
        async ([query, raw, pick, withCursor, key]) => {
          const all = { ...query };
          if (withCursor < 3) all.cursor = cursorFrom(pick, searchCursors);
          // Explain is an operator route: mostly send the operator key, so inputs reach it.
          await send(
            route,
            { url: `${path}${queryString(all, raw ?? undefined)}` },
            route === 'explain' && key === TEST_KEYS.app ? TEST_KEYS.operator : key,
          );
        },
      );
      expectMostlyAnswered(route, min);
    },
    TIMEOUT_MS,
  );

  it(
    'GET /v1/suggest',
    async () => {
      const q = fc.oneof(
        { weight: 4, arbitrary: fc.tuple(words, fc.nat(8)).map(([w, n]) => w.slice(0, 1 + n)) },
        hostile,
      );
      const size = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }).map(String) }, hostile);
      await checkAll(
        fc.tuple(fc.record({ q, size }, { requiredKeys: ['q'] }), extraParam, rawBytes),
        2000,
        async ([p, extra, raw]) => {
          await send('suggest', { url: `/v1/suggest${queryString(params(p, extra), raw ?? undefined)}` });
        },
      );
      expectMostlyAnswered('suggest', 800);
    },
    TIMEOUT_MS,
  );

  it(
    'GET /v1/feed',
    async () => {
      const feedQuery = fc.record(
        {
          user_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('u-1', 'toy-fan', 'new-user') }, hostile),
          size: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 50 }).map(String) }, hostile),
        },
        { requiredKeys: [] },
      );
      await checkAll(
        fc.tuple(feedQuery, extraParam, cursorPick, fc.nat(9), apiKey),
        2000,
        async ([p, extra, pick, withCursor, key]) => {
          const all = params(p, extra);
          if (withCursor < 4) all.cursor = cursorFrom(pick, feedCursors);
          await send('feed', { url: `/v1/feed${queryString(all)}` }, key);
        },
      );
      expectMostlyAnswered('feed', 500);
    },
    TIMEOUT_MS,
  );

  it(
    'GET /v1/listings/:id/similar',
    async () => {
      const id = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...FIXED.map((l) => l.id), 'g-11-3', 'nope') },
        hostile,
      );
      const size = fc.option(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 50 }).map(String) }, hostile));
      await checkAll(fc.tuple(id, size), 2000, async ([listingId, n]) => {
        // A path segment is percent-encoded UTF-8; a lone surrogate has none, so it goes as U+FFFD.
        const path = encodeURIComponent(listingId.replace(/[\ud800-\udfff]/g, '\ufffd'));
        await send('similar', { url: `/v1/listings/${path}/similar${queryString(n === null ? {} : { size: n })}` });
      });
      expectMostlyAnswered('similar', 600);
    },
    TIMEOUT_MS,
  );

  it(
    'POST /v1/events',
    async () => {
      const key = fc.oneof(
        { weight: 10, arbitrary: fc.constant<string | undefined>(TEST_KEYS.app) },
        fc.constantFrom<string | undefined>(TEST_KEYS.operator, undefined, 'wrong-key'),
      );
      await checkAll(fc.tuple(body(interactionEvent, 500), contentType, key), 2000, async ([payload, type, k]) => {
        await send('events', { method: 'POST', url: '/v1/events', payload, headers: { 'content-type': type } }, k);
      });
      expectMostlyAnswered('events', 500);
    },
    TIMEOUT_MS,
  );

  it(
    'GET /docs/static/*',
    async () => {
      const segment = fc.constantFrom(
        'swagger-ui.css',
        'index.html',
        'swagger-initializer.js',
        'favicon-32x32.png',
        'nope.js',
        '..',
        '.',
        '%2e%2e',
        '%2E%2e%2f',
        '%00',
        '%5c',
        '%2f',
        '..%5c',
        '..%2f',
        '%c0%ae',
        '%',
        '%%',
        '%zz',
        'a'.repeat(300),
        '.env',
        '.git',
        'package.json',
        '~',
        '%0a',
        '%ff',
        '',
      );
      const key = fc.constantFrom<string | undefined>(
        TEST_KEYS.operator,
        TEST_KEYS.operator,
        TEST_KEYS.operator,
        undefined,
        TEST_KEYS.app,
      );
      await checkAll(fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), key), 2000, async ([segments, k]) => {
        await send('docs-static', { url: `/docs/static/${segments.join('/')}` }, k);
      });
      expectMostlyAnswered('docs-static', 100);
    },
    TIMEOUT_MS,
  );
});
