import { describe, expect, it } from 'vitest';
import { sharedList } from '../src/search/shared-lists.js';
import { toItem } from '../src/search/listing-items.js';
import type { ListingDocument } from '../../core/src/index.js';

const doc = (id: string, fields: Partial<ListingDocument> = {}) =>
  ({
    id,
    title: 'A shirt',
    price: 10,
    currency: 'USD',
    condition: 'good',
    category_path: ['Men', 'Shirts'],
    shipping_payer: 'seller',
    status: 'on_sale',
    seller_id: 's1',
    created_at: '2026-12-01T00:00:00Z',
    like_count: 0,
    ...fields,
  }) as unknown as ListingDocument;

describe('shared lists', () => {
  it('gives equal lists one frozen array, and different lists their own', () => {
    const a = sharedList(['Women', 'Tops & Blouses']);
    const b = sharedList(JSON.parse('["Women","Tops & Blouses"]') as string[]);
    expect(b).toBe(a);
    expect(a).toEqual(['Women', 'Tops & Blouses']);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => (a as string[]).push('x')).toThrow();
    const other = sharedList(['Women', 'Tops']);
    expect(other).not.toBe(a);
    // A separator inside a name cannot make two lists one.
    expect(sharedList(['Women > Tops'])).not.toBe(sharedList(['Women', 'Tops']));
  });

  it('is what listing items carry: items of one category share its path', () => {
    const [x, y] = [toItem(doc('l-1'), 1), toItem(doc('l-2'), 2)];
    expect(x.category_path).toEqual(['Men', 'Shirts']);
    expect(y.category_path).toBe(x.category_path);
  });
});

describe('listing items', () => {
  it('show the fields in the order responses list them, optional ones only when set', () => {
    const plain = toItem(doc('l-10', { brand: '', size: 'M' }), 0.5);
    expect(Object.keys(plain)).toEqual([
      'id',
      'title',
      'price',
      'currency',
      'condition',
      'category_path',
      'shipping_payer',
      'status',
      'seller_id',
      'created_at',
      'like_count',
      'size',
      'score',
    ]);
    const full = toItem(doc('l-11', { brand: 'Acme', color: 'red', image_url: 'https://img/1.jpg' }), 1);
    expect(JSON.parse(JSON.stringify(full))).toMatchObject({
      brand: 'Acme',
      color: 'red',
      image_url: 'https://img/1.jpg',
    });
    expect(Object.keys(full).indexOf('brand')).toBe(4);
  });

  it("show a listing as it is now: items after a change take the change, not the first item's strings", () => {
    const before = toItem(doc('l-20', { brand: 'Acme' }), 1);
    const again = toItem(doc('l-20', { brand: 'Acme' }), 2);
    expect(again).toEqual({ ...before, score: 2 });
    const renamed = toItem(doc('l-20', { title: 'A blue shirt', brand: 'Acme' }), 3);
    expect(renamed.title).toBe('A blue shirt');
    const sold = toItem(doc('l-20', { title: 'A blue shirt', status: 'sold' }), 4);
    expect(sold).toMatchObject({ title: 'A blue shirt', status: 'sold' });
    expect(sold).not.toHaveProperty('brand');
    // The first item is not changed by later ones.
    expect(before).toMatchObject({ title: 'A shirt', status: 'on_sale', brand: 'Acme', score: 1 });
  });
});
