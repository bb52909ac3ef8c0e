import { describe, expect, it } from 'vitest';
import { sharedCategoryPath } from '../src/search/category-paths.js';
import { toItem } from '../src/search/search-service.js';
import type { ListingDocument } from '../../core/src/index.js';

describe('shared category paths', () => {
  it('gives equal paths one frozen array, and different paths their own', () => {
    const a = sharedCategoryPath(['Women', 'Tops & Blouses']);
    const b = sharedCategoryPath(JSON.parse('["Women","Tops & Blouses"]') as string[]);
    expect(b).toBe(a);
    expect(a).toEqual(['Women', 'Tops & Blouses']);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => (a as string[]).push('x')).toThrow();
    const other = sharedCategoryPath(['Women', 'Tops']);
    expect(other).not.toBe(a);
    // A separator inside a name cannot make two paths one.
    expect(sharedCategoryPath(['Women > Tops'])).not.toBe(sharedCategoryPath(['Women', 'Tops']));
  });

  it('is what listing items carry: items of one category share its path', () => {
    const doc = (id: string) =>
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
      }) as unknown as ListingDocument;
    const [x, y] = [toItem(doc('l-1'), 1), toItem(doc('l-2'), 2)];
    expect(x.category_path).toEqual(['Men', 'Shirts']);
    expect(y.category_path).toBe(x.category_path);
  });
});
