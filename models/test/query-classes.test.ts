import { describe, expect, it } from 'vitest';
import { oneEditApart, queryClasses } from '../export/query-classes.js';

describe('query classes', () => {
  it('tells one edit from more', () => {
    expect(oneEditApart('headphons', 'headphone')).toBe(true);
    expect(oneEditApart('hedphones', 'headphones')).toBe(true);
    expect(oneEditApart('haedphones', 'headphones')).toBe(true);
    expect(oneEditApart('iphone', 'iphone')).toBe(false);
    expect(oneEditApart('ipad', 'ipod')).toBe(true);
    expect(oneEditApart('tablet', 'laptop')).toBe(false);
  });

  it('classes a query by word count, a whole brand name and a word the catalog lacks but nearly has', () => {
    const vocabulary = new Set(['laptop', 'bag', 'headphone', 'wireless', 'cable']);
    const classes = queryClasses(['dell', 'laptop bag', 'wireless hedphone', 'cable', 'matters cable'], vocabulary, [
      'Dell',
      'Cable Matters',
    ]);
    expect(classes.dell).toEqual(['one_word', 'brand']);
    expect(classes['laptop bag']).toEqual(['multi_word']);
    expect(classes['wireless hedphone']).toEqual(['multi_word', 'typo']);
    // One word of a two-word brand is not the brand.
    expect(classes.cable).toEqual(['one_word']);
    expect(classes['matters cable']).toEqual(['multi_word', 'brand']);
  });
});
