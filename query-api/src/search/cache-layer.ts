import { AsyncLocalStorage } from 'node:async_hooks';

/** Which layer answered a cached read: the process's memory, Redis, a computation already in flight, or none. */
export type CacheLayer = 'memory' | 'redis' | 'shared' | 'miss';

const reads = new AsyncLocalStorage<{ layer?: 'memory' | 'redis' }>();

/**
 * Runs a `ResultCache.getOrCompute` call and says which layer served it. The cache reports each layer's
 * hit or miss through its stats callback (plugins/cache.ts calls noteCacheRead), synchronously inside the
 * call, so an async-local slot per call collects it without the cache's API changing; `hit` without a
 * layer hit is a read that joined a computation already in flight (single flight).
 */
export async function withCacheLayer<T>(read: () => Promise<{ value: T; hit: boolean }>): Promise<{ value: T; hit: boolean; layer: CacheLayer }> {
  const slot: { layer?: 'memory' | 'redis' } = {};
  const res = await reads.run(slot, read);
  return { ...res, layer: !res.hit ? 'miss' : (slot.layer ?? 'shared') };
}

/** Called by the cache's stats hook for every layer read; only hits inside withCacheLayer are kept. */
export function noteCacheRead(layer: 'memory' | 'redis', result: 'hit' | 'miss'): void {
  const slot = reads.getStore();
  if (slot && result === 'hit' && !slot.layer) slot.layer = layer;
}
