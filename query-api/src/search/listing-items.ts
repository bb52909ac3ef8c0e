import { LRUCache } from 'lru-cache';
import type { ListingDocument } from '../../../core/src/index.js';
import type { ListingItem } from '../schemas/search.js';
import { sharedList } from './shared-lists.js';

/**
 * Listings remembered for sharing their strings (below): a bound, not a measured need (the latency bench's
 * memory layer held ~200k items). One forgotten while items still show it costs only the sharing: its next
 * items get strings of their own. Each remembered listing is one item that stays alive until forgotten.
 */
const MAX_SHARED_LISTINGS = 50_000;
/** The first item built of each listing (by id): later items of the same listing reuse its strings. */
const firstItems = new LRUCache<string, ShownListing>({ max: MAX_SHARED_LISTINGS });

/** An optional shown field as items hold it: absent when empty (as responses always showed it). */
const optional = (value: string | undefined) => value || undefined;

/** Whether `item` shows `doc` as it is now (same strings): a changed listing starts over. */
function showsSameStrings(item: ShownListing, doc: ListingDocument): boolean {
  return (
    item.title === doc.title &&
    item.currency === doc.currency &&
    item.brand === optional(doc.brand) &&
    item.condition === doc.condition &&
    item.shipping_payer === doc.shipping_payer &&
    item.status === doc.status &&
    item.seller_id === doc.seller_id &&
    item.created_at === doc.created_at &&
    item.size === optional(doc.size) &&
    item.color === optional(doc.color) &&
    item.image_url === optional(doc.image_url)
  );
}

/**
 * A listing as a response shows it (ListingItem), built so that the result cache's memory layer holds as
 * few heap objects as it can: every major GC marks all of them again, and their marking took the cores
 * Elasticsearch shares (docs/benchmarks.md, "The slow seconds" and "One object per cached item").
 * - One object per item. The constructors set every field, so V8 keeps them all inside the object; an item
 *   built by spreading (`{ ...item, source }`) had a separate property array of 15 slots as well.
 * - A listing's strings shared by all its items. Cached feeds and similar lists show the same listings
 *   many times, each parsed from its own Elasticsearch response into strings of its own; an item now takes
 *   them from the first item built of the same listing while they are still the listing's. The category
 *   path is shared per path (shared-lists.ts).
 * Hand-written rather than a library's interning: what is shared is a handful of fields, checked by value.
 */
export class ShownListing implements ListingItem {
  declare id: string;
  declare title: string;
  declare price: number;
  declare currency: string;
  declare brand?: string;
  declare condition: string;
  declare category_path: string[];
  declare shipping_payer: string;
  declare status: string;
  declare seller_id: string;
  declare created_at: string;
  declare like_count: number;
  declare size?: string;
  declare color?: string;
  declare image_url?: string;
  declare score: number;

  constructor(doc: ListingDocument, score: number) {
    const first = firstItems.get(doc.id);
    const shared = first !== undefined && showsSameStrings(first, doc) ? first : undefined;
    const strings = shared ?? doc;
    // Fields in the order responses have always listed them; optional ones only when set.
    this.id = strings.id;
    this.title = strings.title;
    this.price = doc.price;
    this.currency = strings.currency;
    const brand = optional(strings.brand);
    if (brand !== undefined) this.brand = brand;
    this.condition = strings.condition;
    this.category_path = sharedList(doc.category_path);
    this.shipping_payer = strings.shipping_payer;
    this.status = strings.status;
    this.seller_id = strings.seller_id;
    this.created_at = strings.created_at;
    this.like_count = doc.like_count;
    const size = optional(strings.size);
    if (size !== undefined) this.size = size;
    const color = optional(strings.color);
    if (color !== undefined) this.color = color;
    const imageUrl = optional(strings.image_url);
    if (imageUrl !== undefined) this.image_url = imageUrl;
    this.score = score;
    if (shared === undefined) firstItems.set(doc.id, this);
  }
}

/** `doc` as a response item with its ordering score. */
export const toItem = (doc: ListingDocument, score: number): ListingItem => new ShownListing(doc, score);
