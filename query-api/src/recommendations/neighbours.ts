import type { Redis } from 'ioredis';
import { NEIGHBOURS_KEPT, redisKeys } from '../../../core/src/index.js';
import { execPipeline } from '../../../core/src/redis-pipeline.js';

/** A listing's co-engagement neighbours, best first, scores divided by the best (1 = the strongest). */
export type Neighbours = Array<{ id: string; score: number }>;

/**
 * The neighbour lists of several listings in one Redis round trip (a pipeline of ZREVRANGEs), as the
 * neighbour job left them (indexer/src/neighbours). Each list is scaled by its own best score so
 * a listing engaged with a thousand times does not drown one engaged with ten when lists are summed.
 */
export async function readNeighbours(
  redis: Redis,
  namespace: string,
  ids: string[],
  perListing = NEIGHBOURS_KEPT,
): Promise<Map<string, Neighbours>> {
  const out = new Map<string, Neighbours>();
  if (ids.length === 0) return out;
  const keys = redisKeys(namespace).neighbours;
  const tx = redis.pipeline();
  for (const id of ids) tx.zrevrange(keys.list(id), 0, perListing - 1, 'WITHSCORES');
  // Redis unreachable fails the request (503) like every other Redis read: a list computed without
  // its neighbours would be cached and served as if complete.
  const res = await execPipeline(tx);
  ids.forEach((id, i) => {
    const flat = res[i];
    if (!Array.isArray(flat) || flat.length === 0) return;
    const best = Number(flat[1]) || 1;
    const list: Neighbours = [];
    for (let j = 0; j < flat.length; j += 2) list.push({ id: String(flat[j]), score: Number(flat[j + 1]) / best });
    out.set(id, list);
  });
  return out;
}
