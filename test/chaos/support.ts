import type { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import type { ListingChangeEvent } from '../../core/src/index.js';
import { upsertEvent } from '../../indexer/src/sources/to-events.js';
import { generateListing } from '../../indexer/src/sources/generator.js';

/** What a request under a fault got: its status, how long it took, its Retry-After. */
export interface Answer {
  status: number;
  ms: number;
  retryAfter?: string;
  /** The problem's detail when it failed (shown by a failing assertion). */
  detail?: string;
}

/** A listing change with a test-unique id. */
export function change(prefix: string, i: number, version: number): ListingChangeEvent {
  return upsertEvent({ ...generateListing(i, 5), id: `${prefix}-${i}`, status: 'on_sale' }, version);
}

/** POSTs changes through the API as a client would; accepted ones are remembered. */
export async function postChanges(
  app: FastifyInstance,
  key: string,
  events: ListingChangeEvent[],
  accepted: ListingChangeEvent[],
): Promise<Answer> {
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/v1/listings/changes',
    headers: { 'x-api-key': key },
    payload: { events },
  });
  if (res.statusCode === 202) accepted.push(...events);
  return {
    status: res.statusCode,
    ms: performance.now() - started,
    retryAfter: res.headers['retry-after'] as string | undefined,
    detail: res.statusCode >= 400 ? (res.json() as { detail?: string }).detail : undefined,
  };
}

export async function search(app: FastifyInstance, q: string): Promise<Answer> {
  const started = performance.now();
  const res = await app.inject({ url: `/v1/search?q=${q}&size=10` });
  return {
    status: res.statusCode,
    ms: performance.now() - started,
    retryAfter: res.headers['retry-after'] as string | undefined,
  };
}

/** The accepted changes whose version the index does not hold (neither it nor a newer one). */
export async function missingFromIndex(es: Client, alias: string, accepted: ListingChangeEvent[]): Promise<string[]> {
  await es.indices.refresh({ index: alias });
  const newest = new Map<string, number>();
  for (const e of accepted) newest.set(e.listing_id, Math.max(newest.get(e.listing_id) ?? 0, e.version));
  const ids = [...newest.keys()];
  const res = await es.mget<{ version: number }>({ index: alias, ids, _source: ['version'] });
  const missing: string[] = [];
  res.docs.forEach((d, i) => {
    const at = 'found' in d && d.found ? (d._source?.version ?? 0) : 0;
    if (at < newest.get(ids[i]!)!) missing.push(`${ids[i]}@v${newest.get(ids[i]!)} (index: ${at})`);
  });
  return missing;
}
