import { describe, expect, it } from 'vitest';
import {
  compileValidator,
  InteractionEvent,
  interactionEventIssues,
  Listing,
  ListingChangeEvent,
  ValidationError,
} from '../src/index.js';
import { goodListing } from './fixtures.js';

const listing = compileValidator(Listing);
const change = compileValidator(ListingChangeEvent);
const interaction = compileValidator(InteractionEvent);

describe('Listing schema', () => {
  it('accepts a complete listing', () => {
    expect(listing.issues(goodListing)).toEqual([]);
  });

  it.each([
    ['condition', { condition: 'mint' }],
    ['price', { price: 12.5 }],
    ['price', { price: -1 }],
    ['currency', { currency: 'usd' }],
    ['category_path', { category_path: [] }],
    ['created_at', { created_at: 'yesterday' }],
    ['status', { status: 'reserved' }],
    ['title', { title: '' }],
    ['price', { price: Infinity }],
    ['view_count', { view_count: Infinity }],
  ])('rejects a bad %s', (field, patch) => {
    const issues = listing.issues({ ...goodListing, ...patch });
    expect(issues.map((i) => i.path)).toContain(field);
  });

  it('rejects unknown fields (the index mapping is strict too)', () => {
    expect(listing.check({ ...goodListing, colour: 'red' })).toBe(false);
  });
});

describe('ListingChangeEvent schema', () => {
  const upsert = {
    op: 'upsert',
    listing_id: 'l-1',
    version: 17,
    listing: goodListing,
    emitted_at: '2026-11-02T10:00:00Z',
  };

  it('accepts upserts and deletes', () => {
    expect(change.check(upsert)).toBe(true);
    expect(change.check({ op: 'delete', listing_id: 'l-1', version: 18, emitted_at: '2026-11-02T10:00:00Z' })).toBe(
      true,
    );
  });

  it('rejects a missing listing, a zero or infinite version and an unknown op', () => {
    expect(change.check({ ...upsert, listing: undefined })).toBe(false);
    expect(change.check({ ...upsert, version: 0 })).toBe(false);
    expect(change.check({ ...upsert, version: JSON.parse('1e400') })).toBe(false);
    expect(change.check({ ...upsert, op: 'sold' })).toBe(false);
  });

  it('parse throws a ValidationError that names the field', () => {
    expect(() => change.parse({ ...upsert, version: 'x' }, 'event')).toThrow(ValidationError);
    // A union error would say only "Expected union value": the delete variant's own fields are named.
    expect(() => change.parse({ op: 'delete', listing_id: 'l-1', emitted_at: 'now' }, 'event')).toThrow(
      /version.*emitted_at|emitted_at.*version/,
    );
  });
});

describe('InteractionEvent schema', () => {
  it('accepts a click with position and a search with query', () => {
    const click = {
      user_id: 'u1',
      type: 'click',
      listing_id: 'l-1',
      position: 3,
      query_id: 'q1',
      ts: '2026-11-02T10:00:00Z',
    };
    expect(interaction.check(click)).toBe(true);
    expect(interactionEventIssues(click as InteractionEvent, Date.parse('2026-11-02T10:00:00Z'))).toEqual([]);
    const search = { user_id: 'u1', type: 'search', query: 'lego', ts: '2026-11-02T10:00:00Z' };
    expect(interactionEventIssues(search as InteractionEvent, Date.parse('2026-11-02T10:00:00Z'))).toEqual([]);
  });

  it('rejects a ts far from the clock: forward decay would let a future event outweigh every real one', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const like = (ts: string) => interactionEventIssues({ user_id: 'u1', type: 'like', listing_id: 'l-1', ts }, now);
    expect(like('2026-12-01T00:04:00Z')).toEqual([]);
    expect(like('2026-11-02T00:00:00Z')).toEqual([]);
    expect(like('2045-01-01T00:00:00Z')).toEqual(['ts is more than 5 minutes in the future']);
    expect(like('2026-12-01T00:06:00Z')).toEqual(['ts is more than 5 minutes in the future']);
    expect(like('2026-10-01T00:00:00Z')).toEqual(['ts is more than 30 days in the past']);
  });

  it('rejects unknown types, negative positions, and type-specific gaps', () => {
    expect(interaction.check({ user_id: 'u1', type: 'hover', ts: '2026-11-02T10:00:00Z' })).toBe(false);
    expect(
      interaction.check({ user_id: 'u1', type: 'click', listing_id: 'x', position: -1, ts: '2026-11-02T10:00:00Z' }),
    ).toBe(false);
    expect(
      interactionEventIssues(
        { user_id: 'u1', type: 'like', ts: '2026-11-02T10:00:00Z' },
        Date.parse('2026-11-02T10:00:00Z'),
      ),
    ).toEqual(['listing_id is required for a like event']);
    expect(
      interactionEventIssues(
        { user_id: 'u1', type: 'search', ts: '2026-11-02T10:00:00Z' },
        Date.parse('2026-11-02T10:00:00Z'),
      ),
    ).toHaveLength(1);
  });
});
