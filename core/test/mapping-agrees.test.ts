import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { indexMappings, Listing, ListingChangeEvent } from '../src/index.js';

/**
 * Every field of the listing schema against the index mapping (issue 21, item 6): the door must not
 * accept what the index refuses. A new field or a changed bound that breaks this fails here, before a
 * producer finds out through the dead-letter queue.
 */
const props = indexMappings.properties as Record<string, { type: string; index?: boolean }>;
const fields = Listing.properties as Record<
  string,
  TSchema & {
    type?: string;
    maximum?: number;
    minimum?: number;
    maxLength?: number;
    format?: string;
    items?: TSchema & { maxLength?: number };
  }
>;
const JAVA_INT_MAX = 2 ** 31 - 1;
/** Lucene refuses a single indexed keyword term over 32766 bytes; a UTF-16 unit is at most 3 UTF-8 bytes. */
const KEYWORD_MAX_BYTES = 32_766;

/** The longest string a schema admits: maxLength, the longest literal of an enum, or a fixed-width pattern. */
function longest(
  schema: TSchema & { maxLength?: number; anyOf?: Array<{ const?: unknown }>; pattern?: string },
): number | undefined {
  if (schema.maxLength !== undefined) return schema.maxLength;
  if (schema.anyOf?.every((v) => typeof v.const === 'string'))
    return Math.max(...schema.anyOf.map((v) => (v.const as string).length));
  const fixed = schema.pattern ? /^\^\[[^\]]+\]\{(\d+)\}\$$/.exec(schema.pattern) : null;
  return fixed ? Number(fixed[1]) : undefined;
}

describe('the listing schema agrees with the index mapping', () => {
  it.each(Object.keys(fields))('%s', (name) => {
    const field = fields[name]!;
    const mapping = props[name];
    expect(mapping, `${name} is not mapped (dynamic: strict refuses it)`).toBeDefined();
    const type = mapping!.type;
    if (field.type === 'integer') {
      expect(['integer', 'long']).toContain(type);
      const max = type === 'integer' ? JAVA_INT_MAX : Number.MAX_SAFE_INTEGER;
      expect(field.maximum, `${name} needs a maximum within the ${type} range`).toBeLessThanOrEqual(max);
      expect(field.minimum, `${name} needs a minimum`).toBeGreaterThanOrEqual(-max);
    }
    if (type === 'date') expect(field.format, `${name} is a date: the schema must check the format`).toBe('date-time');
    if (field.format === 'date-time') expect(type).toBe('date');
    const maxLength = longest(field) ?? (field.items ? longest(field.items) : undefined);
    if (type === 'keyword' && mapping!.index !== false) {
      expect(maxLength, `${name} is a keyword: it needs a maxLength`).toBeDefined();
      expect(maxLength! * 3, `${name} could exceed Lucene's term limit`).toBeLessThanOrEqual(KEYWORD_MAX_BYTES);
    }
    if (type === 'text') expect(maxLength, `${name} is text: it needs a maxLength`).toBeDefined();
  });

  it('the change event versions fit the long mapping of `version`', () => {
    expect(props.version!.type).toBe('long');
    for (const variant of ListingChangeEvent.anyOf as Array<{
      properties: { version: { maximum: number; minimum: number } };
    }>) {
      expect(variant.properties.version.maximum).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
      expect(variant.properties.version.minimum).toBeGreaterThanOrEqual(1);
    }
  });
});
