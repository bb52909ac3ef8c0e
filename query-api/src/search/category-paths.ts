/**
 * One shared, frozen array per category path for the listing items the API builds. Cached feeds and
 * similar lists hold their items as objects, and each item's `category_path` parsed from an Elasticsearch
 * response is an array and two or three strings of its own: in a heap snapshot under the latency bench,
 * 186k cached items made 736k strings, 221k of them distinct ("Tops & Blouses" 10,494 times), and every
 * one of those objects is marked again by each major GC (docs/benchmarks.md, "The slow seconds").
 * A catalog has a few thousand paths; past MAX_PATHS new ones are passed through, so a flood of odd
 * paths cannot grow this without bound. Hand-written: a Map is all it takes.
 */
const MAX_PATHS = 20_000;
const paths = new Map<string, readonly string[]>();

/** The shared copy of `path` (frozen: items share it, so nobody may change it). */
export function sharedCategoryPath(path: string[]): string[] {
  if (!Array.isArray(path)) return path; // a document without one stays as it was
  const key = path.join('\u0000');
  const known = paths.get(key);
  if (known) return known as string[];
  if (paths.size >= MAX_PATHS) return path;
  const shared = Object.freeze([...path]);
  paths.set(key, shared);
  return shared as string[];
}
