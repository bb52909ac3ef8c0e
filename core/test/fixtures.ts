/** A valid listing to copy and break in tests. */
export const goodListing = {
  id: 'l-1',
  seller_id: 's-1',
  title: 'Nike Air Max 90 sneakers',
  description: 'Worn twice, like new.',
  category_path: ['Men', 'Shoes', 'Athletic Shoes'],
  brand: 'Nike',
  condition: 'like_new',
  price: 4500,
  currency: 'USD',
  shipping_payer: 'seller',
  status: 'on_sale',
  created_at: '2026-11-01T10:00:00Z',
  updated_at: '2026-11-02T10:00:00.123Z',
  like_count: 3,
  view_count: 40,
};
