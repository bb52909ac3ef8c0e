export interface DiversifyOptions {
  window: number;
  maxPerCategory: number;
  maxPerSeller: number;
  /** Stop once this many are placed (a feed keeps 200 of ~600 candidates): the rest would be cut anyway. */
  limit?: number;
}

const DEFAULTS: DiversifyOptions = { window: 10, maxPerCategory: 3, maxPerSeller: 2 };

/**
 * Greedy re-order so that no window of `window` consecutive items holds more than `maxPerCategory`
 * items of one leaf category or `maxPerSeller` of one seller. Items that cannot be placed without
 * breaking a rule move down (never dropped): the order stays score-led wherever the rules allow.
 * Keys are read once and the last window's counts kept as it slides: re-reading and re-counting the
 * window for every candidate at every step was 6 % of a fresh feed build's CPU (docs/benchmarks.md).
 */
export function diversify<T>(
  items: T[],
  keyOf: (item: T) => { category: string; seller: string },
  options: Partial<DiversifyOptions> = {},
): T[] {
  const opts = { ...DEFAULTS, ...options };
  const limit = Math.min(items.length, opts.limit ?? items.length);
  const remaining = items.map((item) => ({ item, key: keyOf(item) }));
  const placed: typeof remaining = [];
  const categories = new Map<string, number>();
  const sellers = new Map<string, number>();
  const add = (counts: Map<string, number>, k: string, by: number) => counts.set(k, (counts.get(k) ?? 0) + by);
  while (placed.length < limit) {
    const at = remaining.findIndex(
      ({ key }) =>
        (categories.get(key.category) ?? 0) < opts.maxPerCategory && (sellers.get(key.seller) ?? 0) < opts.maxPerSeller,
    );
    const next = remaining.splice(at === -1 ? 0 : at, 1)[0]!;
    placed.push(next);
    add(categories, next.key.category, 1);
    add(sellers, next.key.seller, 1);
    // The next pick is judged against the last window - 1 placed items.
    const leaving = placed[placed.length - opts.window];
    if (leaving) {
      add(categories, leaving.key.category, -1);
      add(sellers, leaving.key.seller, -1);
    }
  }
  return placed.map((p) => p.item);
}
