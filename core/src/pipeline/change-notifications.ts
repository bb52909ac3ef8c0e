import type { Redis } from 'ioredis';

/**
 * How the indexer tells readers (the query API's caches) what changed:
 * - after every bulk it publishes the changed ids on `channel` (caches drop the entries showing them)
 *   and bumps `bulkCounter` (a cheap "anything indexed lately?" signal for dashboards and tests);
 * - after a reindex swaps the alias it publishes the new physical index on `indexSwaps`: the index
 *   generation caches key on, since nothing computed on the old index (old mapping, old synonyms) may
 *   be served once the new one answers.
 */
export function changeNotificationKeys(prefix: string) {
  return {
    channel: `${prefix}:listing-changes`,
    bulkCounter: `${prefix}:index-generation`,
    indexSwaps: `${prefix}:index-swaps`,
  };
}

export async function notifyListingsChanged(redis: Redis, prefix: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const keys = changeNotificationKeys(prefix);
  await redis.multi().incr(keys.bulkCounter).publish(keys.channel, JSON.stringify(ids)).exec();
}

/** The index generation: the physical indices behind the alias, in a stable order. */
export function indexGeneration(indices: string[]): string {
  return [...indices].sort().join(',');
}

export async function notifyIndexSwapped(redis: Redis, prefix: string, indices: string[]): Promise<void> {
  await redis.publish(changeNotificationKeys(prefix).indexSwaps, indexGeneration(indices));
}
