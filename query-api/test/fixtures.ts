import type { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { toListingDocument, type Config, type Listing } from '../../core/src/index.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { generateListings } from '../../indexer/src/sources/generator.js';
import { buildApp } from '../src/app.js';
import { cleanupRedis, dropIndices, esClient, testConfig, TEST_KEYS } from '../../test/support/services.js';

/** Headers of the app's backend (events, per-user reads) and of an operator (explain, metrics, docs). */
export const AS_APP = { 'x-api-key': TEST_KEYS.app } as const;
export const AS_OPERATOR = { 'x-api-key': TEST_KEYS.operator } as const;

const base: Omit<Listing, 'id' | 'title' | 'category_path' | 'price'> = {
  seller_id: 'seller-a',
  description: 'Gently used.',
  condition: 'good',
  currency: 'USD',
  shipping_payer: 'seller',
  status: 'on_sale',
  created_at: '2026-10-01T00:00:00Z',
  updated_at: '2026-10-01T00:00:00Z',
  like_count: 1,
  view_count: 10,
};

/** Hand-made listings whose attributes the assertions rely on. */
export const FIXED: Listing[] = [
  {
    ...base,
    id: 'fx-1',
    title: 'Nike Air Max running sneakers',
    category_path: ['Men', 'Shoes', 'Athletic Shoes'],
    brand: 'Nike',
    price: 4500,
    condition: 'like_new',
  },
  {
    ...base,
    id: 'fx-2',
    title: 'Adidas Ultraboost sneakers',
    category_path: ['Men', 'Shoes', 'Athletic Shoes'],
    brand: 'Adidas',
    price: 6000,
    shipping_payer: 'buyer',
  },
  {
    ...base,
    id: 'fx-3',
    title: 'Nike hoodie grey',
    category_path: ['Men', 'Tops', 'Hoodies'],
    brand: 'Nike',
    price: 2500,
    condition: 'new',
  },
  {
    ...base,
    id: 'fx-4',
    title: 'Vintage floral maxi dress',
    category_path: ['Women', 'Dresses', 'Maxi Dresses'],
    price: 3200,
    condition: 'fair',
    created_at: '2026-10-20T00:00:00Z',
  },
  {
    ...base,
    id: 'fx-5',
    title: 'LEGO Star Wars Millennium Falcon set',
    category_path: ['Kids', 'Toys', 'Building Toys'],
    brand: 'LEGO',
    price: 12000,
    like_count: 50,
    view_count: 900,
  },
  {
    ...base,
    id: 'fx-6',
    title: 'Nike sneakers sold already',
    category_path: ['Men', 'Shoes', 'Athletic Shoes'],
    brand: 'Nike',
    price: 3000,
    status: 'sold',
  },
  {
    ...base,
    id: 'fx-7',
    title: 'Apple iPhone 12 smartphone 128GB',
    category_path: ['Electronics', 'Cell Phones & Accessories', 'Cell Phones & Smartphones'],
    brand: 'Apple',
    price: 35000,
    condition: 'good',
  },
];

export interface TestApp {
  app: FastifyInstance;
  es: Client;
  config: Config;
  close(): Promise<void>;
}

/** An app on its own alias and Redis prefix, with the fixed listings plus `filler` generated ones. */
export async function appWithCatalog(filler = 300, overrides: Record<string, string> = {}): Promise<TestApp> {
  const config = testConfig({ FEATURE_LOG_ENABLED: 'true', ...overrides });
  const es = esClient(config);
  await ensureListingsIndex(es, config.elasticsearch);
  await indexListings(es, config.elasticsearch.alias, [...FIXED, ...generateListings({ count: filler, seed: 11 })]);
  const app = await buildApp(config, { logger: false });
  return {
    app,
    es,
    config,
    async close() {
      await app.close();
      await dropIndices(es, config.elasticsearch.alias);
      await cleanupRedis(config);
      await es.close();
    },
  };
}

/** Indexes listings at version 1 behind `alias` and refreshes, so the next search sees them. */
export async function indexListings(es: Client, alias: string, listings: Listing[]): Promise<void> {
  const docs = listings.map((l) => toListingDocument(l, 1, l.updated_at));
  await es.bulk({
    refresh: true,
    operations: docs.flatMap((d) => [{ index: { _index: alias, _id: d.id, version: 1, version_type: 'external' } }, d]),
  });
}

/** A search as the app's client sends it: anonymous, unless `headers` say otherwise. */
export async function search(
  app: FastifyInstance,
  query: Record<string, string | number>,
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method: 'GET',
    url: '/v1/search',
    headers,
    query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

/**
 * Publishes `listing` at `version` through the ingestion route, as the app's backend does, and returns
 * the status code (202: queued for the indexer). Freshness tests time from here.
 */
export async function publishListing(app: FastifyInstance, listing: Listing, version: number): Promise<number> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/listings/changes',
    headers: { 'x-api-key': TEST_KEYS.ingest },
    payload: {
      events: [{ op: 'upsert', listing_id: listing.id, version, listing, emitted_at: new Date().toISOString() }],
    },
  });
  return res.statusCode;
}
