import { seededRandom } from '../core/src/index.js';
import { CATEGORY_BRANCHES, COLORS } from '../indexer/src/sources/catalog-vocabulary.js';

/**
 * A realistic search mix from the demo catalog's vocabulary: head queries (one popular word), torso
 * (brand + item), tail (brand + color + item, often with filters). Deterministic for a seed.
 */
export interface MixQuery {
  kind: 'head' | 'torso' | 'tail';
  params: Record<string, string>;
}

export function queryMix(count: number, seed = 1): MixQuery[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const noun = (leaf: string) =>
    leaf
      .replace(/ & .*$/, '')
      .replace(/s$/, '')
      .toLowerCase();
  const heads = [
    'nike',
    'dress',
    'lego',
    'iphone',
    'jeans',
    'sneakers',
    'jacket',
    'vintage',
    'bag',
    'boots',
    'hoodie',
    'camera',
  ];
  const out: MixQuery[] = [];
  for (let i = 0; i < count; i++) {
    const roll = r();
    const branch = pick(CATEGORY_BRANCHES);
    if (roll < 0.4) out.push({ kind: 'head', params: { q: pick(heads) } });
    else if (roll < 0.8)
      out.push({ kind: 'torso', params: { q: `${pick(branch.brands)} ${noun(pick(branch.leaves))}`.toLowerCase() } });
    else {
      const params: Record<string, string> = {
        q: `${pick(branch.brands)} ${pick(COLORS)} ${noun(pick(branch.leaves))}`.toLowerCase(),
      };
      if (r() < 0.5) params.category = branch.path[0];
      if (r() < 0.3) params.condition = 'new,like_new';
      if (r() < 0.3) params.price_max = String(branch.medianPrice * 2);
      out.push({ kind: 'tail', params });
    }
  }
  return out;
}

/** A search request's path for a mix query: the first page of 20, as the app asks for it. */
export const searchPath = (params: Record<string, string>) =>
  `/v1/search?${new URLSearchParams({ ...params, size: '20' })}`;

/**
 * The hot set the cache-hit benchmarks replay: the first 50 queries of the seed-3 mix of 2,000
 * (bench/search.ts and bench/hit-stalls.ts measure the same requests).
 */
export const hotSearchPaths = (mix: MixQuery[] = queryMix(2000, 3)) =>
  mix.slice(0, 50).map((m) => searchPath(m.params));
