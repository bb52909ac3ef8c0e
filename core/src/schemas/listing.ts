import { Type, type Static } from '@sinclair/typebox';

export const CONDITIONS = ['new', 'like_new', 'good', 'fair', 'poor'] as const;
export const LISTING_STATUSES = ['on_sale', 'sold', 'suspended'] as const;
export const SHIPPING_PAYERS = ['seller', 'buyer'] as const;
/** Highest price a listing may have, in minor units; price filters use the same bound. */
export const MAX_PRICE = 100_000_000;
/**
 * Highest like/view count: the index maps counters as `integer` (Java's int, 2^31-1), and a larger
 * count would be accepted here only to be refused by Elasticsearch and dead-lettered. (JSON's 1e400
 * parses as Infinity, which is no integer and fails this check too.)
 */
export const MAX_COUNT = 2_147_483_647;

export const Condition = Type.Union(CONDITIONS.map((c) => Type.Literal(c)));
export type Condition = Static<typeof Condition>;
export const ListingStatus = Type.Union(LISTING_STATUSES.map((s) => Type.Literal(s)));
export type ListingStatus = Static<typeof ListingStatus>;
export const ShippingPayer = Type.Union(SHIPPING_PAYERS.map((s) => Type.Literal(s)));

/** A listing or seller id: also the Elasticsearch `_id`, and part of dead-letter job ids. */
export const ListingId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const Timestamp = Type.String({
  format: 'date-time',
  description:
    'ISO 8601 with time zone (YYYY-MM-DDTHH:mm:ss[.fff](Z|±HH:MM)), a real calendar date; at most one day ahead of the server clock',
});

/** A listing as the marketplace owns it: the source of truth the index mirrors. */
export const Listing = Type.Object(
  {
    id: ListingId,
    seller_id: ListingId,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ maxLength: 10_000 }),
    category_path: Type.Array(Type.String({ minLength: 1, maxLength: 80 }), {
      minItems: 1,
      maxItems: 5,
      description: 'root first, e.g. ["Women", "Tops & Blouses", "T-Shirts"]',
    }),
    brand: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    condition: Condition,
    price: Type.Integer({ minimum: 0, maximum: MAX_PRICE, description: 'minor units (cents)' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    shipping_payer: ShippingPayer,
    status: ListingStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
    like_count: Type.Integer({ minimum: 0, maximum: MAX_COUNT }),
    view_count: Type.Integer({ minimum: 0, maximum: MAX_COUNT }),
    size: Type.Optional(Type.String({ maxLength: 40 })),
    color: Type.Optional(Type.String({ maxLength: 40 })),
    image_url: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false, $id: 'Listing' },
);
export type Listing = Static<typeof Listing>;
