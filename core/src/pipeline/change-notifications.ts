import type { Redis } from 'ioredis';
import { redisKeys } from '../redis-keys.js';

/**
 * How the indexer tells readers (the query API's caches) what changed (names: redisKeys(ns).changes):
 * - after every bulk it publishes the changed ids on `channel` (caches drop the entries showing them)
 *   and bumps `bulkCounter` (a cheap "anything indexed lately?" signal for dashboards and tests);
 * - after a reindex swaps the alias it publishes the new physical index on `indexSwaps`: the index
 *   generation caches key on, since nothing computed on the old index (old mapping, old synonyms) may
 *   be served once the new one answers.
 */
export async function notifyListingsChanged(redis: Redis, namespace: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const keys = redisKeys(namespace).changes;
  await redis.multi().incr(keys.bulkCounter).publish(keys.channel, JSON.stringify(ids)).exec();
}

/**
 * Tells readers that these listings' new embeddings are searchable by kNN. Their text did not change,
 * so the entries showing them stay (on `channel` every one would be dropped: a backfill of vectors after
 * a reindex dropped every cached window, bench/freshness-api.ts, 2026-12-03); readers only correct the
 * windows the listings may now enter through their vector.
 */
export async function notifyVectorsSearchable(redis: Redis, namespace: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await redis.publish(redisKeys(namespace).changes.vectorsChannel, JSON.stringify(ids));
}

/** The index generation: the physical indices behind the alias, in a stable order. */
export function indexGeneration(indices: string[]): string {
  return [...indices].sort().join(',');
}

/** Tells readers a reindex swapped the alias to `indices` (the new index generation). */
export async function notifyIndexSwapped(redis: Redis, namespace: string, indices: string[]): Promise<void> {
  await redis.publish(redisKeys(namespace).changes.indexSwaps, indexGeneration(indices));
}
