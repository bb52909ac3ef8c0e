import { seededRandom } from '../../core/src/index.js';
import { CATEGORY_BRANCHES } from '../../indexer/src/sources/catalog-vocabulary.js';

/** How the simulator talks to the API: fetch against a URL, or fastify's inject in tests. */
export type ApiCall = (
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: unknown }>;

interface Taste {
  root: string;
  branch: string;
  brand: string;
  maxPrice: number;
}

interface SearchItem {
  id: string;
  brand?: string;
  category_path: string[];
  price: number;
}

export interface SimulationResult {
  users: number;
  searches: number;
  clicks: number;
  purchases: number;
  events_rejected: number;
}

/** Examination probability by position: people look at the top, less and less further down. */
export const examineProbability = (position: number, eta = 0.8) => 1 / Math.pow(position + 1, eta);

/** Attractiveness given a user's hidden taste: the part a ranker can learn from clicks. */
export function clickProbability(item: SearchItem, taste: Taste): number {
  let p = 0.03;
  if (item.category_path[0] === taste.root) p += 0.25;
  if (item.category_path[1] === taste.branch) p += 0.25;
  if (item.brand === taste.brand) p += 0.2;
  if (item.price <= taste.maxPrice) p += 0.1;
  return Math.min(0.9, p);
}

/**
 * Users with hidden tastes search through the real API, click with position bias and sometimes buy;
 * every search, click and purchase goes to POST /v1/events with the response's query_id and the
 * position shown, so the feature log and the interactions stream fill up as in production.
 */
export async function simulate(
  api: ApiCall,
  opts: { users: number; sessionsPerUser: number; seed?: number },
): Promise<SimulationResult> {
  const r = seededRandom(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const result: SimulationResult = { users: opts.users, searches: 0, clicks: 0, purchases: 0, events_rejected: 0 };
  for (let u = 0; u < opts.users; u++) {
    const branch = pick(CATEGORY_BRANCHES);
    const taste: Taste = {
      root: branch.path[0],
      branch: branch.path[1],
      brand: pick(branch.brands),
      maxPrice: branch.medianPrice * 1.5,
    };
    const userId = `sim-user-${opts.seed ?? 1}-${u}`;
    for (let s = 0; s < opts.sessionsPerUser; s++) {
      const noun = pick(branch.leaves)
        .replace(/ & .*$/, '')
        .replace(/s$/, '')
        .toLowerCase();
      const q = r() < 0.5 ? noun : `${taste.brand} ${noun}`.toLowerCase();
      const res = await api('GET', `/v1/search?${new URLSearchParams({ q, user_id: userId, size: '20' })}`);
      if (res.status !== 200) continue;
      result.searches++;
      const body = res.json as { query_id: string; items: SearchItem[] };
      const now = new Date().toISOString();
      const events: unknown[] = [{ user_id: userId, type: 'search', query: q, query_id: body.query_id, ts: now }];
      body.items.forEach((item, position) => {
        if (r() >= examineProbability(position) || r() >= clickProbability(item, taste)) return;
        events.push({
          user_id: userId,
          type: 'click',
          listing_id: item.id,
          query_id: body.query_id,
          position,
          ts: now,
        });
        result.clicks++;
        if (item.price <= taste.maxPrice && r() < 0.15) {
          events.push({
            user_id: userId,
            type: 'purchase',
            listing_id: item.id,
            query_id: body.query_id,
            position,
            ts: now,
          });
          result.purchases++;
        }
      });
      const sent = await api('POST', '/v1/events', { events });
      if (sent.status !== 202) result.events_rejected += events.length;
    }
  }
  return result;
}
