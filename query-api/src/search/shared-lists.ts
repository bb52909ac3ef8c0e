/**
 * One shared, frozen array per list of strings that listing items show: category paths, and similar items'
 * reasons (a few dozen combinations). Cached feeds and similar lists hold their items as objects, and each
 * item's `category_path` parsed from an Elasticsearch response was an array and two or three strings of its
 * own: in a heap snapshot under the latency bench, 186k cached items made 736k strings, 221k of them
 * distinct ("Tops & Blouses" 10,494 times), and every one of those objects is marked again by each major GC
 * (docs/benchmarks.md, "The slow seconds"). A catalog has a few thousand paths; past MAX_LISTS new lists
 * are passed through, so a flood of odd paths cannot grow this without bound. Hand-written: a Map is all it
 * takes.
 */
const MAX_LISTS = 20_000;
const lists = new Map<string, readonly string[]>();

/** The shared copy of `list` (frozen: items share it, so nobody may change it). */
export function sharedList(list: string[]): string[] {
  if (!Array.isArray(list)) return list; // a document without a category path stays as it was
  const key = list.join('\u0000');
  const known = lists.get(key);
  if (known) return known as string[];
  if (lists.size >= MAX_LISTS) return list;
  const shared = Object.freeze([...list]);
  lists.set(key, shared);
  return shared as string[];
}
