import fc from 'fast-check';
import { CONDITIONS, LISTING_STATUSES, MAX_COUNT, MAX_PRICE, SHIPPING_PAYERS } from '../../../core/src/index.js';
import { SORTS } from '../../src/schemas/search.js';
import { TEST_KEYS } from '../../../test/support/services.js';

/**
 * Inputs for the fuzz suite: schema-shaped values (so requests get past validation and reach
 * Elasticsearch, Redis and the index mapping) mixed with hostile ones (control characters, lone
 * surrogates, huge and non-finite numbers, odd dates, wrong types, invalid UTF-8, path tricks).
 */

/** Seed and runs per route; FUZZ_SEED / FUZZ_RUNS replay or widen a run (fast-check prints the seed on failure). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261202);
export const runs = (base: number) => Math.max(1, Math.round(base * Number(process.env.FUZZ_RUNS_FACTOR ?? 1)));

const NASTY = [
  '',
  ' ',
  '\u0000',
  '\u0001',
  '\u001e',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u202e',
  '\t',
  '\n',
  '1e400',
  '-1e400',
  'Infinity',
  '-Infinity',
  'NaN',
  '-0',
  '0x10',
  '1e3',
  '99999999999999999999',
  '9007199254740993',
  '2147483648',
  '-1',
  '1.5',
  'null',
  'true',
  '[]',
  '{}',
  '%',
  '%00',
  '../..',
  '..\\..',
  '\\',
  '"',
  "'",
  '*',
  '?',
  '~',
  '^',
  'a:b',
  'title:(a OR b)~2^5',
  '/.*/',
  '<script>',
  '💥',
  'ß',
  'İ',
  'ǅ',
  '\u0301',
  'Women > ',
  ' > ',
  ',',
  ',,',
  'x'.repeat(61),
  'x'.repeat(201),
  'y'.repeat(2001),
];
const WORDS = [
  'nike',
  'air',
  'max',
  'sneakers',
  'adidas',
  'dress',
  'vintage',
  'lego',
  'star wars',
  'iphone',
  'hoodie',
  'grey',
  'ni',
  'a',
  'ipho',
  'runing',
];

/** A string a client might send to break things. */
export const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...NASTY, ...WORDS), { maxLength: 4 }).map((a) => a.join('')),
);
/** Text that looks like what people type. */
export const words: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 })
  .map((a) => a.join(' '));
/** `arb` with probability about `p`, else null. */
export const sometimes = <T>(arb: fc.Arbitrary<T>, p: number) =>
  fc.oneof(
    { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(null) },
    { weight: Math.round(p * 100), arbitrary: arb },
  );
const list = <T extends string>(values: readonly T[]) =>
  fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 3 }).map((a) => a.join(','));
const int = (min: number, max: number) => fc.integer({ min, max }).map(String);

/** Valid values of each /v1/search parameter (all optional). */
const SEARCH_PARAMS = {
  q: words,
  category: fc.constantFrom(
    'Men',
    'Men > Shoes',
    'Women > Dresses > Maxi Dresses',
    'Kids > Toys',
    'Electronics',
    'Nope > Nothing',
  ),
  brand: fc.constantFrom('Nike', 'Nike,Adidas', 'LEGO', 'Apple'),
  condition: list(CONDITIONS),
  price_min: int(0, 10_000),
  price_max: int(0, MAX_PRICE),
  shipping_payer: fc.constantFrom(...SHIPPING_PAYERS),
  status: fc.constantFrom(...LISTING_STATUSES),
  sort: fc.constantFrom(...SORTS),
  size: int(1, 100),
  rank: fc.constantFrom('model', 'bm25'),
  user_id: fc.constantFrom('u-1', 'toy-fan', 'new-user'),
};

/** Hostile values of a numeric parameter. */
const badNumber = fc.constantFrom(
  '-1',
  '0',
  '101',
  '1.5',
  '1e400',
  'Infinity',
  '-0',
  '0x10',
  'NaN',
  '',
  '99999999999999999999',
  String(MAX_PRICE + 1),
  String(2 ** 53 + 1),
);

/**
 * /v1/search parameters: a valid set (most requests get through to Elasticsearch), then sometimes one
 * or two parameters replaced by hostile values, a parameter no route knows, or a duplicate.
 */
export const searchQuery = fc
  .tuple(
    fc.record(SEARCH_PARAMS, { requiredKeys: [] }),
    sometimes(
      fc.array(
        fc.tuple(
          fc.constantFrom(...Object.keys(SEARCH_PARAMS), 'colour', '__proto__', 'constructor', ''),
          fc.oneof(hostile, badNumber),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      0.3,
    ),
  )
  .map(([valid, bad]) => ({ ...valid, ...Object.fromEntries(bad ?? []) }) as Record<string, string>);

/** Sometimes a parameter no route knows (a typo), or a known one again with a hostile value. */
export const extraParam = sometimes(
  fc.tuple(fc.constantFrom('colour', 'q', 'size', 'cursor', 'user_id', '__proto__', 'constructor', ''), hostile),
  0.15,
);

/** Which key a request presents: mostly the right one, sometimes none or a wrong one. */
export const apiKey = fc.constantFrom<string | undefined>(
  TEST_KEYS.app,
  TEST_KEYS.app,
  TEST_KEYS.app,
  TEST_KEYS.operator,
  TEST_KEYS.operator,
  TEST_KEYS.operator,
  undefined,
  'wrong-key',
);

/** A query string from pairs; values are sent as UTF-8 percent-encoded bytes (lone surrogates too), or raw bytes. */
export function queryString(params: Record<string, string>, raw?: Uint8Array): string {
  const pairs = Object.entries(params).map(([k, v]) => `${pct(Buffer.from(k))}=${pct(Buffer.from(v))}`);
  if (raw) pairs.push(`q=${pct(Buffer.from(raw))}`);
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

export function pct(bytes: Buffer): string {
  return [...bytes]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');
}

/** Raw bytes for a parameter, including sequences that are not UTF-8. */
export const rawBytes = sometimes(fc.uint8Array({ maxLength: 12 }), 0.1);

/** A cursor: one the API issued (index into a pool the test fills), one of those edited, or junk. */
export const cursorPick = fc.oneof(
  fc.record({ kind: fc.constant('issued' as const), n: fc.nat() }),
  fc.record({
    kind: fc.constant('edited' as const),
    n: fc.nat(),
    at: fc.nat(),
    ch: fc.constantFrom('A', 'z', '0', '_', '-', '.'),
  }),
  fc.record({
    kind: fc.constant('junk' as const),
    text: fc.oneof(
      hostile,
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
    ),
  }),
);
export type CursorPick = typeof cursorPick extends fc.Arbitrary<infer T> ? T : never;

export function cursorFrom(pick: CursorPick, pool: string[]): string {
  if (pick.kind === 'junk' || pool.length === 0) return pick.kind === 'junk' ? pick.text : 'none';
  const c = pool[pick.n % pool.length]!;
  if (pick.kind === 'issued') return c;
  const at = pick.at % c.length;
  return c.slice(0, at) + pick.ch + c.slice(at + 1);
}

/**
 * ISO date-times around every edge Elasticsearch's strict_date_optional_time has: month lengths and
 * leap years, hour 24, seconds 60, offsets up to and past ±18:00, fractions up to 10 digits, lower case,
 * years 0000 and 9999. Mostly valid shapes, so the index really has to take them.
 */
export const dateTime = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1990, max: 2026 }), fc.constantFrom(0, 1, 1900, 2000, 2024, 2100, 9999)),
    month: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 12 }) }, fc.constantFrom(0, 13)),
    day: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 28 }) }, fc.constantFrom(0, 29, 30, 31, 32)),
    hour: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 23 }) }, fc.constant(24)),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,10}$/), { freq: 2 }),
    zone: fc.oneof(
      fc.constantFrom('Z', 'z', '+00:00', '-00:00', '+18:00', '-18:00', '+18:01', '+23:00', '+05:60', '+0530', ''),
      fc
        .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 19 }), fc.constantFrom(0, 15, 30, 45))
        .map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`),
    ),
    sep: fc.constantFrom('T', 'T', 'T', 't', ' '),
  })
  .map(
    (d) =>
      `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}${d.sep}${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}${d.fraction ? `.${d.fraction}` : ''}${d.zone}`,
  );

/**
 * Date-times the index must take: real calendar dates from year 0000 to now (29 February only in leap
 * years), hours 00-23, offsets within ±18:00, fractions of 1-9 digits.
 */
export const validDateTime = fc
  .record({
    ms: fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.now() }),
    offsetMin: fc.oneof(fc.constant(0), fc.integer({ min: -18 * 60, max: 18 * 60 })),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
  })
  .map(({ ms, offsetMin, fraction }) => {
    const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
    const zone =
      offsetMin === 0
        ? 'Z'
        : `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
    return `${local}${fraction ? `.${fraction}` : ''}${zone}`;
  })
  .filter((v) => !v.startsWith('-') && !v.startsWith('+'));

/** A date-time near now (within a day either way), as interaction events and fresh listings have. */
export const recentDateTime = fc
  .integer({ min: -86_400_000, max: 86_400_000 })
  .map((ms) => new Date(Date.now() + ms).toISOString());

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export const counter = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 5000 }) },
  fc.constantFrom(MAX_COUNT, MAX_COUNT + 1, 2 ** 53, -1, 1.5),
);
