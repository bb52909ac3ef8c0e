import type { Facets } from '../schemas/search.js';

interface TermsAgg {
  buckets: Array<{ key: string; doc_count: number }>;
}
interface RangeAgg {
  buckets: Array<{ key: string; from?: number; to?: number; doc_count: number }>;
}

const terms = (a: unknown) => {
  const buckets = (a as TermsAgg | undefined)?.buckets;
  return Array.isArray(buckets) ? buckets.map((b) => ({ key: String(b.key), count: b.doc_count })) : [];
};

/** Elasticsearch aggregations -> the response's facets. */
export function toFacets(aggs: Record<string, unknown> | undefined, level: number, parent: string | null): Facets {
  const a = aggs ?? {};
  let category = { level, parent, buckets: terms(a.category) };
  if (level === -1) {
    // A bare category name: children live one level below wherever the name was found.
    const f = (a.category as { buckets?: Record<string, Record<string, unknown>> } | undefined)?.buckets ?? {};
    const asL0 = terms(f.l0?.l1);
    category = asL0.length > 0 ? { level: 1, parent, buckets: asL0 } : { level: 2, parent, buckets: terms(f.l1?.l2) };
  }
  return {
    category,
    brand: terms(a.brand),
    condition: terms(a.condition),
    price: ((a.price as RangeAgg | undefined)?.buckets ?? []).map((b) => ({
      key: b.key,
      ...(b.from !== undefined ? { from: b.from } : {}),
      ...(b.to !== undefined ? { to: b.to } : {}),
      count: b.doc_count,
    })),
  };
}
