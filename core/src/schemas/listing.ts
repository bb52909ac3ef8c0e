import { Type, type Static } from '@sinclair/typebox';

export const CONDITIONS = ['new', 'like_new', 'good', 'fair', 'poor'] as const;
export const LISTING_STATUSES = ['on_sale', 'sold', 'suspended'] as const;
export const SHIPPING_PAYERS = ['seller', 'buyer'] as const;
/** Highest price a listing may have, in minor units; price filters use the same bound. */
export const MAX_PRICE = 100_000_000;
/**
 * Counters and versions stay exact in JavaScript numbers. JSON's 1e400 parses as Infinity, which
 * JSON Schema's integer check lets through and JSON.stringify turns into null on its way to Elasticsearch.
 */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

export const Condition = Type.Union(CONDITIONS.map((c) => Type.Literal(c)));
export type Condition = Static<typeof Condition>;
export const ListingStatus = Type.Union(LISTING_STATUSES.map((s) => Type.Literal(s)));
export type ListingStatus = Static<typeof ListingStatus>;
export const ShippingPayer = Type.Union(SHIPPING_PAYERS.map((s) => Type.Literal(s)));

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 with time zone' });

/** A listing as the marketplace owns it: the source of truth the index mirrors. */
export const Listing = Type.Object(
  {
    id: Id,
    seller_id: Id,
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
