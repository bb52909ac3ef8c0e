import { describe, expect, it } from 'vitest';
import { deadLetterJobId } from '../src/dead-letters.js';

describe('dead-letter job ids', () => {
  it('are <listing_id>@v<version>, with the characters BullMQ refuses encoded reversibly', () => {
    expect(deadLetterJobId({ listing_id: 'g-1', version: 3 })).toBe('g-1@v3');
    expect(deadLetterJobId({ listing_id: 'shop:42', version: 7 })).toBe('shop%3A42@v7');
    expect(deadLetterJobId({ listing_id: 'a%3Ab:c', version: 1 })).toBe('a%253Ab%3Ac@v1');
    for (const raw of ['shop:42', 'a%3Ab:c', '::', '%']) {
      const id = deadLetterJobId({ listing_id: raw, version: 1 })!;
      expect(id).not.toContain(':');
      expect(decodeURIComponent(id)).toBe(`${raw}@v1`);
    }
  });

  it('leave payloads without a usable listing id to BullMQ (no custom id)', () => {
    for (const event of [null, 'x', 42, {}, { listing_id: 7 }, { listing_id: '' }, { listing_id: 'x'.repeat(201) }]) {
      expect(deadLetterJobId(event)).toBeUndefined();
    }
    expect(deadLetterJobId({ listing_id: 'a', version: { nested: true } })).toBe('a@v?');
  });
});
