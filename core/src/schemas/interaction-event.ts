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

/** Checks TypeBox cannot express: which optional fields each type needs. */
export function interactionEventIssues(e: InteractionEvent): string[] {
  const issues: string[] = [];
  if (e.type === 'search' && !e.query) issues.push('query is required for a search event');
  if (e.type !== 'search' && !e.listing_id) issues.push(`listing_id is required for a ${e.type} event`);
  return issues;
}
