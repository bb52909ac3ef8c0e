import { Type, type Static } from '@sinclair/typebox';
import { compileValidator } from '../validate.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import { Listing, ListingId } from './listing.js';

/**
 * How far ahead of the server's clock a version, `created_at`, `updated_at` or `emitted_at` may be.
 * Versions are the source's update time in ms, so a version far in the future would make every real
 * later change "stale" and freeze the listing (2^53-1 froze it forever); a day covers clock skew
 * between the source and us with room to spare.
 */
export const CHANGE_CLOCK_SKEW_MS = 86_400_000;

const Version = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description:
    "monotonic per listing, e.g. the source row's update time in ms since the epoch; at most now + 1 day in ms",
});

/**
 * One change to one listing. `version` is monotonic per listing (e.g. the source row's update time
 * in ms); the index keeps the highest version it has seen, so late and replayed events are harmless.
 * Clock bounds and `listing_id` = `listing.id` are checked by changeEventIssues (they need `now`).
 */
export const ListingChangeEvent = Type.Union(
  [
    Type.Object(
      {
        op: Type.Literal('upsert'),
        listing_id: ListingId,
        version: Version,
        listing: Listing,
        emitted_at: Type.String({ format: 'date-time' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        op: Type.Literal('delete'),
        listing_id: ListingId,
        version: Version,
        emitted_at: Type.String({ format: 'date-time' }),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: 'ListingChangeEvent' },
);
export type ListingChangeEvent = Static<typeof ListingChangeEvent>;

/**
 * Checks a schema cannot express: the event names the listing it carries, and nothing in it is dated
 * more than CHANGE_CLOCK_SKEW_MS ahead of `now` (the version is compared as epoch ms).
 */
export function changeEventIssues(e: ListingChangeEvent, now = Date.now()): FieldIssue[] {
  const limit = now + CHANGE_CLOCK_SKEW_MS;
  const issues: FieldIssue[] = [];
  const ahead = 'is more than 1 day ahead of the server clock';
  if (e.version > limit)
    issues.push({ path: 'version', message: `${ahead} (versions are epoch ms; at most ${limit})` });
  if (Date.parse(e.emitted_at) > limit) issues.push({ path: 'emitted_at', message: ahead });
  if (e.op === 'upsert') {
    if (e.listing.id !== e.listing_id) issues.push({ path: 'listing_id', message: 'must equal listing.id' });
    if (Date.parse(e.listing.created_at) > limit) issues.push({ path: 'listing.created_at', message: ahead });
    if (Date.parse(e.listing.updated_at) > limit) issues.push({ path: 'listing.updated_at', message: ahead });
  }
  return issues;
}

const schema = compileValidator(ListingChangeEvent);

/**
 * The one door for change events, shared by the producer (and so the HTTP ingestion route and the CLI)
 * and the worker: the schema, then changeEventIssues. Issues of a schema-invalid event come from the
 * schema alone.
 */
export const changeEvents = {
  issues(value: unknown, now = Date.now(), max = 20): FieldIssue[] {
    const found = schema.issues(value, max);
    return found.length > 0 ? found : changeEventIssues(value as ListingChangeEvent, now).slice(0, max);
  },
  /** The event typed, or a ValidationError naming every bad field as `<what>.<path>`. */
  parse(value: unknown, what: string, now = Date.now()): ListingChangeEvent {
    const found = this.issues(value, now);
    if (found.length === 0) return value as ListingChangeEvent;
    throw new ValidationError(`invalid ${what}: ${found.map((i) => `${i.path} ${i.message}`).join('; ')}`, found);
  },
};
