import { Type, type Static } from '@sinclair/typebox';

export const INTERACTION_TYPES = ['view', 'like', 'purchase', 'search', 'click'] as const;

/** Something a user did; feeds profiles (recommendations) and training data (ranking). */
export const InteractionEvent = Type.Object(
  {
    user_id: Type.String({ minLength: 1, maxLength: 64 }),
    type: Type.Union(INTERACTION_TYPES.map((t) => Type.Literal(t))),
    listing_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    query: Type.Optional(Type.String({ maxLength: 200 })),
    query_id: Type.Optional(Type.String({ maxLength: 64, description: 'the search response this came from' })),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: '0-based rank shown' })),
    ts: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, $id: 'InteractionEvent' },
);
export type InteractionEvent = Static<typeof InteractionEvent>;

/**
 * How far an event's `ts` may be from the server's clock. Profiles weigh events by forward decay
 * (2^(age / half-life)), so a forged future `ts` would outweigh every real event (one like dated 2045
 * turned a whole feed to one category; 2100 overflowed the weight). Apps queue events offline for a
 * while, hence the longer past window.
 */
export const EVENT_CLOCK_WINDOW = { pastMs: 30 * 86_400_000, futureMs: 5 * 60_000 } as const;

/** Checks TypeBox cannot express: which optional fields each type needs, and a `ts` near `now`. */
export function interactionEventIssues(e: InteractionEvent, now = Date.now()): string[] {
  const issues: string[] = [];
  const ts = Date.parse(e.ts);
  if (!(ts >= now - EVENT_CLOCK_WINDOW.pastMs)) issues.push('ts is more than 30 days in the past');
  else if (ts > now + EVENT_CLOCK_WINDOW.futureMs) issues.push('ts is more than 5 minutes in the future');
  if (e.type === 'search' && !e.query) issues.push('query is required for a search event');
  if (e.type !== 'search' && !e.listing_id) issues.push(`listing_id is required for a ${e.type} event`);
  return issues;
}
