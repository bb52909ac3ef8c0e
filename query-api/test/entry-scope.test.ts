import { describe, expect, it } from 'vitest';
import { MatchMemo, scopeMatches, type EntryScope } from '../src/cache/entry-scope.js';
import { editDistanceWithin, listingTerms, mayMatchTerm, queryTerms } from '../src/search/index-analysis.js';
import { changedListing as listing } from './changed-listing.js';

const matches = (scope: EntryScope, l = listing()) => scopeMatches(scope, l, new MatchMemo()) !== undefined;

describe('index analysis, as the cache needs it', () => {
  it('stems, folds and keeps raw words beside stems', () => {
    expect([...listingTerms(["Levi's Café running"])]).toEqual(
      expect.arrayContaining(['levi', 'cafe', 'running', 'run']),
    );
  });

  it('allows the typos the search allows, no more, with the first letter fixed', () => {
    expect(mayMatchTerm('sneaker', 'sneakr')).toBe(true);
    expect(mayMatchTerm('sneaker', 'snekr')).toBe(false);
    expect(mayMatchTerm('qwibbler', 'qwilber')).toBe(true); // 8 letters: two edits
    expect(mayMatchTerm('hat', 'hot')).toBe(false); // under 4 letters: exact only
    expect(mayMatchTerm('sneaker', 'xneaker')).toBe(false);
    expect(editDistanceWithin('jacket', 'jakcet', 1)).toBe(true); // a transposition is one edit
  });

  it('expands synonyms and needs the share of words the search needs', () => {
    const [tokens] = queryTerms('nike trainers');
    expect(tokens!.groups[1]).toEqual(expect.arrayContaining(['sneakers', 'sneaker']));
    expect(queryTerms('red nike jacket')[0]!.required).toBe(2);
  });
});

describe('entry scopes', () => {
  it('match on filters, then text', () => {
    expect(matches({ status: 'on_sale', q: 'nike sneakers' })).toBe(true);
    expect(matches({ status: 'on_sale', q: 'adidas boots' })).toBe(false);
    expect(matches({ status: 'sold', q: 'nike sneakers' })).toBe(false);
    expect(matches({ status: 'on_sale', categoryPath: ['Men', 'Shoes'] })).toBe(true);
    expect(matches({ status: 'on_sale', categoryPath: ['Women'] })).toBe(false);
    expect(matches({ status: 'on_sale', brands: ['nike', 'Adidas'], priceMax: 6000 })).toBe(true);
    expect(matches({ status: 'on_sale', priceMin: 6000 })).toBe(false);
    expect(matches({ status: 'on_sale', conditions: ['new'] })).toBe(false);
  });

  it('let a listing into a sorted page only between its bounds', () => {
    const page = { field: 'price' as const, desc: false };
    expect(matches({ status: 'on_sale', order: { ...page, through: 4000 } })).toBe(false);
    expect(matches({ status: 'on_sale', order: { ...page, through: 5000 } })).toBe(true); // a tie may go either way
    expect(matches({ status: 'on_sale', order: { ...page, after: 6000 } })).toBe(false); // a later page starts past it
    expect(
      matches({
        status: 'on_sale',
        order: { field: 'created_at', desc: true, through: Date.parse('2026-11-01T00:00:00Z') },
      }),
    ).toBe(true);
    expect(
      matches({
        status: 'on_sale',
        order: { field: 'created_at', desc: true, after: Date.parse('2026-11-01T00:00:00Z') },
      }),
    ).toBe(false);
  });
});
