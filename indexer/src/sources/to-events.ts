import type { Listing, ListingChangeEvent } from '../../../core/src/index.js';

/** An upsert for a listing; its version defaults to the listing's update time in ms (monotonic per row). */
export function upsertEvent(
  listing: Listing,
  version = Date.parse(listing.updated_at),
  emittedAt = new Date(),
): ListingChangeEvent {
  return { op: 'upsert', listing_id: listing.id, version, listing, emitted_at: emittedAt.toISOString() };
}

export function deleteEvent(listingId: string, version: number, emittedAt = new Date()): ListingChangeEvent {
  return { op: 'delete', listing_id: listingId, version, emitted_at: emittedAt.toISOString() };
}
