import { describe, expect, it } from 'vitest';
import {
  CHANGE_CLOCK_SKEW_MS,
  changeEvents,
  compileValidator,
  Listing,
  MAX_COUNT,
  ValidationError,
} from '../src/index.js';
import { isStrictDateTime } from '../src/formats.js';
import { goodListing } from './fixtures.js';

/**
 * The door agrees with the index: what the schema accepts, Elasticsearch's mapping takes (dates as
 * strict_date_optional_time, counters as Java ints), and nothing is dated absurdly far ahead.
 */
const listing = compileValidator(Listing);
const NOW = Date.parse('2026-12-02T12:00:00Z');

describe("'date-time' is as strict as Elasticsearch's strict_date_optional_time", () => {
  it.each([
    '2026-11-02T10:00:00Z',
    '2026-11-02T10:00:00.123Z',
    '2026-11-02T10:00:00.123456789Z',
    '2024-02-29T00:00:00Z',
    '2000-02-29T23:59:59+01:00',
    '2026-11-02T10:00:00+18:00',
    '2026-11-02T10:00:00-18:00',
    '2026-11-02T10:00:00-03:30',
  ])('accepts %s', (v) => {
    expect(isStrictDateTime(v)).toBe(true);
  });

  it.each([
    ['2026-02-30T00:00:00Z', 'no 30 February'],
    ['2025-02-29T00:00:00Z', 'not a leap year'],
    ['1900-02-29T00:00:00Z', 'century, not a leap year'],
    ['2026-04-31T00:00:00Z', 'April has 30 days'],
    ['2026-13-01T00:00:00Z', 'month 13'],
    ['2026-00-10T00:00:00Z', 'month 0'],
    ['2026-01-00T00:00:00Z', 'day 0'],
    ['2026-01-01T24:00:00Z', 'hour 24'],
    ['2026-01-01T23:60:00Z', 'minute 60'],
    ['2026-01-01T23:59:60Z', 'leap second'],
    ['2026-01-01T10:00:00+23:00', 'offset past ±18:00'],
    ['2026-01-01T10:00:00+18:01', 'offset past ±18:00'],
    ['2026-01-01T10:00:00+05:60', 'offset minutes 60'],
    ['2026-01-01t10:00:00z', 'lower-case separators'],
    ['2026-01-01T10:00:00', 'no zone'],
    ['2026-01-01', 'no time'],
    ['2026-01-01T10:00:00.1234567890Z', 'ten fraction digits'],
    ['+002026-01-01T10:00:00Z', 'expanded year'],
    ['2026-01-01T10:00:00Z\n', 'trailing newline'],
  ])('rejects %s (%s)', (v) => {
    expect(isStrictDateTime(v)).toBe(false);
    expect(listing.issues({ ...goodListing, created_at: v }).map((i) => i.path)).toContain('created_at');
  });
});

describe('counters fit the index', () => {
  it('takes the largest Java int and refuses one more', () => {
    expect(MAX_COUNT).toBe(2 ** 31 - 1);
    expect(listing.check({ ...goodListing, like_count: MAX_COUNT, view_count: MAX_COUNT })).toBe(true);
    expect(listing.issues({ ...goodListing, like_count: MAX_COUNT + 1 }).map((i) => i.path)).toEqual(['like_count']);
    expect(listing.issues({ ...goodListing, view_count: 2 ** 53 }).map((i) => i.path)).toEqual(['view_count']);
  });
});

describe('changeEvents: the schema plus what needs a clock', () => {
  const upsert = {
    op: 'upsert',
    listing_id: goodListing.id,
    version: NOW - 1000,
    listing: goodListing,
    emitted_at: '2026-12-02T11:00:00Z',
  };
  const paths = (e: unknown) => changeEvents.issues(e, NOW).map((i) => i.path);

  it('accepts a well-formed upsert and delete', () => {
    expect(paths(upsert)).toEqual([]);
    expect(paths({ op: 'delete', listing_id: 'a:b', version: 3, emitted_at: '2026-12-02T11:00:00Z' })).toEqual([]);
  });

  it('refuses a listing_id other than listing.id', () => {
    expect(paths({ ...upsert, listing_id: 'someone-else' })).toEqual(['listing_id']);
  });

  it('refuses listing ids the index id pattern does not allow, on deletes too', () => {
    expect(paths({ op: 'delete', listing_id: 'a b', version: 3, emitted_at: '2026-12-02T11:00:00Z' })).toContain(
      'listing_id',
    );
    expect(
      paths({ op: 'delete', listing_id: 'x'.repeat(65), version: 3, emitted_at: '2026-12-02T11:00:00Z' }),
    ).toContain('listing_id');
  });

  it('refuses dates and versions more than a day ahead, and takes them just inside the day', () => {
    const limit = NOW + CHANGE_CLOCK_SKEW_MS;
    const at = (ms: number) => new Date(ms).toISOString();
    expect(paths({ ...upsert, listing: { ...goodListing, created_at: '9999-12-31T23:59:59Z' } })).toEqual([
      'listing.created_at',
    ]);
    expect(paths({ ...upsert, listing: { ...goodListing, updated_at: at(limit + 1000) } })).toEqual([
      'listing.updated_at',
    ]);
    expect(paths({ ...upsert, emitted_at: at(limit + 1000) })).toEqual(['emitted_at']);
    expect(paths({ ...upsert, version: Number.MAX_SAFE_INTEGER })).toEqual(['version']);
    expect(paths({ ...upsert, version: limit + 1 })).toEqual(['version']);
    expect(
      paths({ ...upsert, version: limit, emitted_at: at(limit), listing: { ...goodListing, updated_at: at(limit) } }),
    ).toEqual([]);
  });

  it('parse throws a ValidationError naming the event and field', () => {
    expect(() => changeEvents.parse({ ...upsert, listing_id: 'other' }, 'event[3]', NOW)).toThrow(ValidationError);
    expect(() => changeEvents.parse({ ...upsert, listing_id: 'other' }, 'event[3]', NOW)).toThrow(
      /event\[3\]: listing_id must equal listing.id/,
    );
    expect(changeEvents.parse(upsert, 'event', NOW)).toBe(upsert);
  });
});
