import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListingDocument } from '../../core/src/index.js';
import { notifyIndexSwapped, notifyListingsChanged } from '../../core/src/pipeline/change-notifications.js';
import { appWithCatalog, AS_APP, AS_OPERATOR, FIXED, indexListings, search, type TestApp } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await appWithCatalog(400);
});
afterAll(async () => t.close());

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id);

describe('search bar on real Elasticsearch and Redis', () => {
  it('finds by text, excludes sold by default, and says which ranker ordered the results', async () => {
    const res = await search(t.app, { q: 'nike sneakers' });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toContain('fx-1');
    expect(ids(res.body)).not.toContain('fx-6');
    expect(res.body.ranker).toMatch(/^onnx:ltr@|^bm25/);
    expect(res.body.query_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.items[0]).toHaveProperty('score');
    const sold = await search(t.app, { q: 'nike sneakers', status: 'sold' });
    expect(ids(sold.body)).toEqual(['fx-6']);
  });

  it('rank=bm25 forces the BM25 order; user_id personalizes and is accepted', async () => {
    const bm25 = await search(t.app, { q: 'sneakers', rank: 'bm25', size: 50 });
    expect(bm25.body.ranker).toBe('bm25');
    const scores = bm25.body.items.map((i: { score: number }) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const personal = await search(t.app, { q: 'sneakers', user_id: 'someone', size: 5 }, AS_APP);
    expect(personal.status).toBe(200);
    expect(personal.body.items.length).toBeGreaterThan(0);
  });

  it('tolerates typos without ruining short queries, and applies synonyms', async () => {
    expect(ids((await search(t.app, { q: 'sneakrs' })).body)).toEqual(expect.arrayContaining(['fx-1', 'fx-2']));
    expect(ids((await search(t.app, { q: 'trainers' })).body)).toEqual(expect.arrayContaining(['fx-1', 'fx-2']));
    expect(ids((await search(t.app, { q: 'smartphone iphone' })).body)[0]).toBe('fx-7');
    expect(ids((await search(t.app, { q: 'cell phone', category: 'Electronics' })).body)).toContain('fx-7');
  });

  it('matches the words of a query across fields: brand in its own field, a word only in the description', async () => {
    await indexListings(t.es, t.config.elasticsearch.alias, [
      { ...FIXED[1]!, id: 'fx-x1', title: 'Retro high top sneakers', brand: 'Converse', description: 'Barely worn.' },
      {
        ...FIXED[6]!,
        id: 'fx-x2',
        title: 'Portable speaker, 10 W',
        brand: undefined,
        description: 'Bluetooth 5.0, twelve hours of play.',
      },
      { ...FIXED[1]!, id: 'fx-x3', title: 'Converse Chuck Taylor sneakers', brand: 'Converse' },
    ]);
    expect(ids((await search(t.app, { q: 'converse sneakers' })).body)).toContain('fx-x1');
    expect(ids((await search(t.app, { q: 'bluetooth speaker' })).body)).toContain('fx-x2');
    // Every word of a two-word query must still match somewhere.
    expect(ids((await search(t.app, { q: 'converse hoodie' })).body)).not.toContain('fx-x1');
    // A listing that says the whole query in its title outranks one that needs its brand field for it.
    const bm25 = ids((await search(t.app, { q: 'converse sneakers', rank: 'bm25', size: 50 })).body);
    expect(bm25).toEqual(expect.arrayContaining(['fx-x1', 'fx-x3']));
    expect(bm25.indexOf('fx-x3')).toBeLessThan(bm25.indexOf('fx-x1'));
  });

  it('filters by category at any level or as a path, brand, condition, price, shipping', async () => {
    const shoes = await search(t.app, { q: 'sneakers', category: 'Athletic Shoes' });
    expect(shoes.body.items.every((i: { category_path: string[] }) => i.category_path.includes('Athletic Shoes'))).toBe(
      true,
    );
    const path = await search(t.app, { category: 'Men > Tops', brand: 'Nike', size: 100 });
    expect(ids(path.body)).toContain('fx-3');
    expect(
      path.body.items.every(
        (i: { category_path: string[]; brand?: string }) => i.category_path[1] === 'Tops' && i.brand === 'Nike',
      ),
    ).toBe(true);
    const brands = await search(t.app, { q: 'sneakers', brand: 'Nike,Adidas' });
    expect(ids(brands.body)).toEqual(expect.arrayContaining(['fx-1', 'fx-2']));
    const cond = await search(t.app, { q: 'sneakers', condition: 'like_new' });
    expect(ids(cond.body)).toContain('fx-1');
    expect(ids(cond.body)).not.toContain('fx-2');
    const price = await search(t.app, { q: 'sneakers', price_min: 5000, price_max: 7000 });
    expect(price.body.items.every((i: { price: number }) => i.price >= 5000 && i.price <= 7000)).toBe(true);
    expect(ids(price.body)).toContain('fx-2');
    const buyer = await search(t.app, { q: 'sneakers', shipping_payer: 'buyer', brand: 'Adidas' });
    expect(ids(buyer.body)).toContain('fx-2');
    expect(
      buyer.body.items.every(
        (i: { shipping_payer: string; brand?: string }) => i.shipping_payer === 'buyer' && i.brand === 'Adidas',
      ),
    ).toBe(true);
  });

  it('facet counts match the counts of the filtered searches', async () => {
    const all = await search(t.app, { category: 'Men', size: 1 });
    expect(all.body.facets.category.level).toBe(1);
    const tops = all.body.facets.category.buckets.find((b: { key: string }) => b.key === 'Tops');
    expect(tops.count).toBeGreaterThan(0);
    const filtered = await search(t.app, { category: 'Men > Tops', size: 1 });
    expect(filtered.body.total.value).toBe(tops.count);
    const nike = all.body.facets.brand.find((b: { key: string }) => b.key === 'Nike');
    expect((await search(t.app, { category: 'Men', brand: 'Nike', size: 1 })).body.total.value).toBe(nike.count);
    const good = all.body.facets.condition.find((b: { key: string }) => b.key === 'good');
    expect((await search(t.app, { category: 'Men', condition: 'good', size: 1 })).body.total.value).toBe(good.count);
    const bucket = all.body.facets.price.find((b: { key: string }) => b.key === '25_50');
    expect((await search(t.app, { category: 'Men', price_min: 2500, price_max: 4999, size: 1 })).body.total.value).toBe(
      bucket.count,
    );
    const top = await search(t.app, { size: 1 });
    expect(top.body.facets.category.level).toBe(0);
    expect(top.body.facets.category.buckets.map((b: { key: string }) => b.key)).toEqual(
      expect.arrayContaining(['Men', 'Women', 'Kids']),
    );
  });

  it.each(['relevance', 'newest', 'price_asc', 'price_desc', 'popular'])(
    'cursors walk %s results without gaps or duplicates',
    async (sort) => {
      const q: Record<string, string> = sort === 'relevance' ? { q: 'shirt dress shoes toy' } : { category: 'Women' };
      const full = await search(t.app, { ...q, sort, size: 100 });
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 30; page++) {
        const res = await search(t.app, { ...q, sort, size: 7, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        seen.push(...ids(res.body));
        cursor = res.body.next_cursor;
        if (!cursor) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.slice(0, full.body.items.length)).toEqual(ids(full.body));
      if (sort === 'price_asc') {
        const prices = (await search(t.app, { ...q, sort, size: 50 })).body.items.map(
          (i: { price: number }) => i.price,
        );
        expect(prices).toEqual([...prices].sort((a, b) => a - b));
      }
    },
  );

  it('autocompletes prefixes and small typos, ranked by popularity', async () => {
    const res = await t.app.inject({ url: '/v1/suggest?q=lego+st' });
    expect(res.statusCode).toBe(200);
    expect(res.json().suggestions.map((s: { text: string }) => s.text)).toContain(
      'lego star wars millennium falcon set',
    );
    const typo = await t.app.inject({ url: '/v1/suggest?q=star+wras' });
    expect(typo.json().suggestions.map((s: { text: string }) => s.text)).toContain('star wars millennium falcon set');
    const scores = res.json().suggestions.map((s: { score: number }) => s.score);
    // fx-6 is sold: its title never completes.
    const sold = await t.app.inject({ url: '/v1/suggest?q=nike+sneakers+sold' });
    expect(sold.json().suggestions).toEqual([]);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('explains each result: features by name, model and BM25 scores, rank change', async () => {
    const res = await t.app.inject({ url: '/v1/search/explain?q=sneakers&size=5', headers: AS_OPERATOR });
    expect(res.statusCode).toBe(200);
    const first = res.json().explain[0];
    expect(first.features).toHaveProperty('bm25');
    expect(first.features).toHaveProperty('title_coverage');
    expect(typeof first.bm25_rank).toBe('number');
    expect(first.final_rank).toBe(0);
    expect(res.json().explain).toHaveLength(Math.min(5, res.json().items.length));
    expect(res.json().explain.map((e: { id: string }) => e.id)).toEqual(
      res.json().items.map((i: { id: string }) => i.id),
    );
  });

  it('a sold listing leaves cached result pages within the freshness budget', async () => {
    const q = { q: 'millennium falcon lego' };
    const before = await search(t.app, q);
    expect(ids(before.body)).toContain('fx-5');
    const again = await search(t.app, q);
    expect(again.body.query_id).toBe(before.body.query_id); // served from the cache
    // ... as the bytes serialized for the first answer, with this answer's took_ms
    expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
    expect({ ...again.body, took_ms: 0 }).toEqual({ ...before.body, took_ms: 0 });
    expect(typeof again.body.took_ms).toBe('number');
    const sold = toListingDocument({ ...FIXED[4]!, status: 'sold' }, 2, new Date().toISOString());
    await t.es.index({
      index: t.config.elasticsearch.alias,
      id: sold.id,
      document: sold,
      version: 2,
      version_type: 'external',
      refresh: true,
    });
    await notifyListingsChanged(t.app.redis, t.config.redis.namespace, ['fx-5']); // what the indexer does after its bulk
    const deadline = Date.now() + 2000;
    let after = await search(t.app, q);
    while (ids(after.body).includes('fx-5') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      after = await search(t.app, q);
    }
    expect(ids(after.body)).not.toContain('fx-5');
    expect(after.body.query_id).not.toBe(before.body.query_id);
  });

  it('serves nothing cached from the old index once a reindex swapped the alias', async () => {
    const q = { q: 'vintage dress', size: 3 };
    const before = await search(t.app, q);
    expect((await search(t.app, q)).body.query_id).toBe(before.body.query_id);
    await notifyIndexSwapped(t.app.redis, t.config.redis.namespace, ['listings-rebuilt']); // what reindex does after the swap
    const deadline = Date.now() + 2000;
    let after = await search(t.app, q);
    while (after.body.query_id === before.body.query_id && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await search(t.app, q);
    }
    expect(after.body.query_id).not.toBe(before.body.query_id);
  });

  it('logs the features of ranked results under the query id', async () => {
    const res = await search(t.app, { q: 'vintage dress' });
    await new Promise((r) => setTimeout(r, 100));
    const entries = await t.app.redis.xrange(`${t.config.redis.namespace}:feature-log`, '-', '+');
    const fields = entries.map(([, f]) =>
      Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])),
    );
    const mine = fields.find((f) => f.query_id === res.body.query_id);
    if (res.body.ranker.startsWith('onnx')) {
      expect(mine).toBeDefined();
      const items = JSON.parse(mine!.items!);
      expect(items[0]).toMatchObject({ position: 0, listing_id: res.body.items[0].id });
      expect(items[0].features).toHaveLength(JSON.parse(mine!.feature_names!).length);
    } else {
      expect(res.body.ranker).toMatch(/fallback/);
    }
  });
});
