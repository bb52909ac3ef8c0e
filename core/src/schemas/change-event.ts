import { Type, type Static } from '@sinclair/typebox';
import { Listing, MAX_COUNT } from './listing.js';

/**
 * One change to one listing. `version` is monotonic per listing (e.g. the source row's update time
 * in ms); the index keeps the highest version it has seen, so late and replayed events are harmless.
 */
export const ListingChangeEvent = Type.Union(
  [
    Type.Object(
      {
        op: Type.Literal('upsert'),
        listing_id: Type.String({ minLength: 1, maxLength: 64 }),
        version: Type.Integer({ minimum: 1, maximum: MAX_COUNT }),
        listing: Listing,
        emitted_at: Type.String({ format: 'date-time' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        op: Type.Literal('delete'),
        listing_id: Type.String({ minLength: 1, maxLength: 64 }),
        version: Type.Integer({ minimum: 1, maximum: MAX_COUNT }),
        emitted_at: Type.String({ format: 'date-time' }),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: 'ListingChangeEvent' },
);
export type ListingChangeEvent = Static<typeof ListingChangeEvent>;
