import type { Redis } from 'ioredis';

/**
 * How the indexer tells readers (the query API's caches) that listings changed: after every bulk it
 * bumps a generation counter and publishes the changed ids. Caches key on the generation (cheap to read)
 * or drop entries holding the ids.
 */
export function changeNotificationKeys(prefix: string) {
  return {
    channel: `${prefix}:listing-changes`,
    generation: `${prefix}:index-generation`,
  };
}

export async function notifyListingsChanged(redis: Redis, prefix: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const keys = changeNotificationKeys(prefix);
  await redis.multi().incr(keys.generation).publish(keys.channel, JSON.stringify(ids)).exec();
}
