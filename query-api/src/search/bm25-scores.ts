import type { Client } from '@elastic/elasticsearch';
import { textQuery } from './text-query.js';

/**
 * What each listing scores for each query text, as the window's BM25 retrieval would score it (its text
 * query; filters do not score), over just those ids: one msearch, a few documents each.
 */
export async function bm25Scores(
  es: Client,
  index: string,
  idsByQuery: Map<string, string[]>,
): Promise<Map<string, Map<string, number>>> {
  const queries = [...idsByQuery];
  const res = await es.msearch({
    searches: queries.flatMap(([q, ids]) => [
      { index },
      {
        query: { bool: { must: [textQuery(q)], filter: [{ ids: { values: ids } }] } },
        size: ids.length,
        _source: false,
        track_total_hits: false,
      },
    ]),
  });
  return new Map(
    queries.map(([q], i) => {
      const r = res.responses[i]!;
      if (!('hits' in r)) throw new Error(`BM25 score check failed: ${r.error.reason ?? r.error.type}`);
      return [q, new Map(r.hits.hits.map((h) => [h._id!, h._score ?? 0]))];
    }),
  );
}
