/**
 * Greedy re-order so that no window of `window` consecutive items holds more than `maxPerCategory`
 * items of one leaf category or `maxPerSeller` of one seller. Items that cannot be placed without
 * breaking a rule move down (never dropped): the order stays score-led wherever the rules allow.
 */
export function diversify<T>(
  items: T[],
  keyOf: (item: T) => { category: string; seller: string },
  opts = { window: 10, maxPerCategory: 3, maxPerSeller: 2 },
): T[] {
  const remaining = [...items];
  const out: T[] = [];
  while (remaining.length > 0) {
    const recent = out.slice(-(opts.window - 1)).map(keyOf);
    const fits = (item: T) => {
      const k = keyOf(item);
      return (
        recent.filter((r) => r.category === k.category).length < opts.maxPerCategory &&
        recent.filter((r) => r.seller === k.seller).length < opts.maxPerSeller
      );
    };
    const at = remaining.findIndex(fits);
    out.push(remaining.splice(at === -1 ? 0 : at, 1)[0]!);
  }
  return out;
}
