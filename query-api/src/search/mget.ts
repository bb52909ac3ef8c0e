import type { estypes } from '@elastic/elasticsearch';

/** The `_source` of each document of an mget response, in request order; undefined where it was not found. */
export function foundSources<T>(res: estypes.MgetResponse<T>): Array<T | undefined> {
  return res.docs.map((d) => ('found' in d && d.found ? d._source : undefined));
}
