/**
 * Redis keys shared between the query API (writer) and the training-data export (reader). Streams are
 * capped (MAXLEN ~, FEATURE_LOG_MAXLEN and INTERACTIONS_MAXLEN in the config) so logging can never fill
 * Redis; export them regularly for training. docs/operations.md ("Redis memory budget") has their sizes.
 *
 * feature log entry fields: `query_id`, `ts`, `user_id` ('' when anonymous), `query`, `ranker`,
 *   `feature_names` (JSON string[]), `items` (JSON array of { listing_id, position, bm25, score, features: number[] })
 * interaction entry fields: `event` (JSON InteractionEvent)
 */
export function streamKeys(prefix: string) {
  return {
    featureLog: `${prefix}:feature-log`,
    interactions: `${prefix}:interactions`,
  };
}
