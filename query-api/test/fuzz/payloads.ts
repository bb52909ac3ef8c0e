import fc from 'fast-check';
import {
  CONDITIONS,
  INTERACTION_TYPES,
  LISTING_STATUSES,
  MAX_COUNT,
  SHIPPING_PAYERS,
} from '../../../core/src/index.js';
import { dateTime, hostile, recentDateTime, validDateTime, words } from './inputs.js';

/**
 * Bodies for the two POST routes: listing change events and interaction events. Mostly valid (with
 * every kind of text and every edge of dates and numbers the schema allows, so the index mapping is
 * really tested), sometimes with one field made hostile, serialized with raw-JSON numbers no JavaScript
 * object can hold (1e400, -0), and bodies that are not the right JSON at all.
 */
const id = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const badId = fc.constantFrom('a b', '', 'x'.repeat(65), 'ü', 'a/b', 'a%3Ab', '\u0000');
const text = (min: number, max: number) =>
  fc.oneof(
    words,
    fc.string({ unit: 'binary', minLength: min, maxLength: max }),
    fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 40) }),
  );
const count = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constantFrom(0, MAX_COUNT));

const validListing = fc.record(
  {
    id,
    seller_id: id,
    title: text(1, 200),
    description: fc.oneof(text(0, 300), fc.constant('d'.repeat(10_000))),
    category_path: fc.array(text(1, 80), { minLength: 1, maxLength: 5 }),
    brand: text(1, 80),
    condition: fc.constantFrom(...CONDITIONS),
    price: fc.oneof(fc.integer({ min: 0, max: 100_000_000 }), fc.constantFrom(0, 100_000_000)),
    currency: fc.constantFrom('USD', 'EUR', 'JPY', 'XXX'),
    shipping_payer: fc.constantFrom(...SHIPPING_PAYERS),
    status: fc.constantFrom(...LISTING_STATUSES),
    created_at: fc.oneof(recentDateTime, validDateTime),
    updated_at: fc.oneof(recentDateTime, validDateTime),
    like_count: count,
    view_count: count,
    size: text(0, 40),
    color: text(0, 40),
    image_url: fc.oneof(fc.webUrl(), text(0, 100)),
  },
  {
    requiredKeys: [
      'id',
      'seller_id',
      'title',
      'description',
      'category_path',
      'condition',
      'price',
      'currency',
      'shipping_payer',
      'status',
      'created_at',
      'updated_at',
      'like_count',
      'view_count',
    ],
  },
);

/** One field of a listing replaced by something the schema must refuse (or, for a few, may take). */
const LISTING_MUTATIONS: Array<[string, fc.Arbitrary<unknown>]> = [
  ['id', badId],
  ['title', fc.constantFrom('', 't'.repeat(201))],
  ['category_path', fc.constantFrom([], ['a', 'b', 'c', 'd', 'e', 'f'], [''])],
  ['price', fc.constantFrom(100_000_001, -1, 0.5, 2 ** 63, '12')],
  ['currency', hostile],
  ['condition', hostile],
  ['status', fc.constantFrom('deleted', 'reserved')],
  ['created_at', dateTime],
  [
    'updated_at',
    fc.constantFrom(
      '9999-12-31T23:59:59Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:00:00+23:00',
    ),
  ],
  ['like_count', fc.constantFrom(MAX_COUNT + 1, 2 ** 53, -1, 1.5)],
  ['view_count', fc.constantFrom(MAX_COUNT + 1, Number.MAX_SAFE_INTEGER)],
  ['colour', fc.constant('red')],
  ['description', fc.constant('d'.repeat(10_001))],
  ['brand', fc.constant('')],
];
const listing = fc.oneof(
  { weight: 4, arbitrary: validListing },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validListing, fc.constantFrom(...LISTING_MUTATIONS))
      .chain(([l, [field, bad]]) => bad.map((v) => ({ ...l, [field]: v }))),
  },
);

const version = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 2_000_000 }).map((d) => Date.now() - d * 1000) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 1000 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      0,
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER,
      Date.now() + 86_400_000 - 600_000,
      Date.now() + 2 * 86_400_000,
    ),
  },
);
const emittedAt = fc.oneof({ weight: 6, arbitrary: recentDateTime }, { weight: 1, arbitrary: dateTime });

/** A change event: mostly an upsert whose listing_id is the listing's id; sometimes a delete, a mismatch, or junk. */
export const changeEvent = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({ listing, version, emitted_at: emittedAt, mismatch: fc.nat(19) })
      .map(({ listing: l, version: v, emitted_at, mismatch }) => ({
        op: 'upsert',
        listing_id: mismatch === 0 ? `${String(l.id)}x` : l.id,
        version: v,
        listing: l,
        emitted_at,
      })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('delete'),
      listing_id: fc.oneof(id, badId),
      version,
      emitted_at: emittedAt,
    }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const eventTs = fc
  .integer({ min: -29 * 86_400_000, max: 4 * 60_000 })
  .map((ms) => new Date(Date.now() + ms).toISOString());
const validInteraction = fc.oneof(
  fc.record({
    user_id: fc.oneof(fc.constantFrom('u-1', 'toy-fan', 'u-2'), id),
    type: fc.constant('search'),
    query: text(1, 200),
    ts: eventTs,
  }),
  fc.record(
    {
      user_id: fc.oneof(fc.constantFrom('u-1', 'toy-fan', 'u-2'), id),
      type: fc.constantFrom(...INTERACTION_TYPES.filter((x) => x !== 'search')),
      listing_id: fc.constantFrom('fx-1', 'fx-5', 'fx-7', 'g-11-3', 'nope'),
      query_id: fc.uuid(),
      position: fc.integer({ min: 0, max: 10_000 }),
      ts: eventTs,
    },
    { requiredKeys: ['user_id', 'type', 'listing_id', 'ts'] },
  ),
);
const INTERACTION_MUTATIONS: Array<[string, fc.Arbitrary<unknown>]> = [
  ['user_id', fc.constantFrom('', 'u'.repeat(65), 7)],
  ['type', hostile],
  ['position', fc.constantFrom(-1, 10_001, 1.5, '3')],
  ['ts', dateTime],
  ['ts', fc.constantFrom('2045-01-01T00:00:00Z', '2100-01-01T00:00:00Z', '1970-01-01T00:00:00Z')],
  ['query', fc.constant('q'.repeat(201))],
  ['extra', fc.constant(1)],
];

/** An interaction event, as the app's backend sends them; sometimes with one field made hostile, or junk. */
export const interactionEvent = fc.oneof(
  { weight: 6, arbitrary: validInteraction },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validInteraction, fc.constantFrom(...INTERACTION_MUTATIONS))
      .chain(([e, [field, bad]]) => bad.map((v) => ({ ...e, [field]: v }))),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Numbers JSON can carry and JavaScript cannot: spliced into a serialized body in place of one number. */
const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '1.0e2',
  '1E2',
  '0.0000001',
  '123456789012345678901234567890',
  '2147483648',
];

/** A request body: the events serialized (sometimes with a raw-number splice), or something that is not it. */
export const body = (events: fc.Arbitrary<unknown>, maxEvents: number) =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .record({
          events: fc.array(events, { minLength: 1, maxLength: 3 }),
          splice: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, fc.constantFrom(...RAW_NUMBERS)),
        })
        .map(({ events: e, splice }) => {
          const json = JSON.stringify({ events: e });
          return splice
            ? json.replace(
                /"(version|like_count|view_count|price|position)":(\d+)/,
                (_m, k: string) => `"${k}":${splice}`,
              )
            : json;
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"events": [',
        'null',
        '[]',
        '"events"',
        '{}',
        '{"events": []}',
        '{"events": {}}',
        '{"events": [null]}',
        `{"events": [${'['.repeat(2000)}${']'.repeat(2000)}]}`,
        `{"events": [${Array(maxEvents + 1)
          .fill('{}')
          .join(',')}]}`,
        '{"events": [1e400]}',
        '{"__proto__": {"x": 1}, "events": [{}]}',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );

/** Mostly JSON; sometimes a content type the routes do not take. */
export const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
);
