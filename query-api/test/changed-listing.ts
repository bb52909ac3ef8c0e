import type { ChangedListing } from '../src/cache/entry-scope.js';
import { listingTerms } from '../src/search/index-analysis.js';

/**
 * A listing as the cache hears of a change to it (toChangedListing's shape): a Nike sneaker on sale
 * unless patched; `text` is its title, analysed with its brand and categories into the terms.
 */
export const changedListing = (patch: Partial<ChangedListing> & { text?: string } = {}): ChangedListing => ({
  id: patch.id ?? 'l1',
  status: 'on_sale',
  categoryPath: ['Men', 'Shoes', 'Athletic Shoes'],
  categoryLeaf: 'Athletic Shoes',
  brand: 'Nike',
  condition: 'good',
  shippingPayer: 'seller',
  price: 5000,
  createdAt: Date.parse('2026-12-01T00:00:00Z'),
  popularity: 1,
  terms: listingTerms([patch.text ?? 'Nike Air Max running sneakers', 'Nike', 'Men', 'Shoes', 'Athletic Shoes']),
  ...patch,
});
