import type { Listing } from '../../core/src/index.js';

/**
 * A listing on sale with neutral defaults (no brand or size, never liked or viewed, created at `at`),
 * for tests that set only the fields they are about. One home for the shape, so a new required field
 * of `Listing` is added here once.
 */
export function testListing(patch: Partial<Listing> & Pick<Listing, 'id'>, at = '2026-10-01T00:00:00Z'): Listing {
  return {
    seller_id: 's',
    title: `item ${patch.id}`,
    description: '',
    category_path: ['A'],
    condition: 'good',
    price: 1000,
    currency: 'USD',
    shipping_payer: 'seller',
    status: 'on_sale',
    created_at: at,
    updated_at: at,
    like_count: 0,
    view_count: 0,
    ...patch,
  };
}
