import { existsSync, createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ImportRow } from '../../src/sources/import-row.js';
import { readMercariTsv } from '../../src/sources/mercari-tsv.js';
import { readMercariUsCsv } from '../../src/sources/mercari-us-csv.js';
import { readNdjsonListings } from '../../src/sources/ndjson.js';

const now = new Date('2026-11-01T00:00:00Z');
const collect = async (rows: AsyncIterable<ImportRow>) => {
  const out: ImportRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
};
const ok = (rows: ImportRow[]) => rows.flatMap((r) => (r.ok ? [r.listing] : []));
const bad = (rows: ImportRow[]) => rows.flatMap((r) => (r.ok ? [] : [r]));

describe('Mercari price-suggestion TSV importer', () => {
  const header = 'train_id\tname\titem_condition_id\tcategory_name\tbrand_name\tprice\tshipping\titem_description';
  const tsv = [
    header,
    '0\tMLB Cincinnati Reds T Shirt Size XL\t3\tMen/Tops/T-shirts\t\t10.0\t1\tNo description yet',
    '1\tRazer BlackWidow Chroma Keyboard\t3\tElectronics/Computers & Tablets/Components & Parts\tRazer\t52.0\t0\tThis keyboard is in great condition',
    '2\tBroken row with too few columns\t3',
    '3\tBad price\t1\tWomen/Dresses/Maxi\tZara\tten\t1\tx',
    '4\tBad condition\t9\tWomen/Dresses/Maxi\tZara\t12\t1\tx',
    '5\tQuote " inside a title\t2\tKids/Toys/Dolls\tBarbie\t8.5\t0\tAn "unbalanced quote in text',
  ].join('\n');

  it('maps good rows and reports bad ones with line numbers', async () => {
    const rows = await collect(readMercariTsv(Readable.from([tsv]), { now }));
    const listings = ok(rows);
    expect(listings.map((l) => l.id)).toEqual(['mercari-0', 'mercari-1', 'mercari-5']);
    expect(listings[0]).toMatchObject({
      title: 'MLB Cincinnati Reds T Shirt Size XL',
      condition: 'good',
      category_path: ['Men', 'Tops', 'T-shirts'],
      price: 1000,
      shipping_payer: 'seller',
      description: '',
      currency: 'USD',
    });
    expect(listings[0]!.brand).toBeUndefined();
    expect(listings[1]).toMatchObject({ brand: 'Razer', price: 5200, shipping_payer: 'buyer' });
    expect(listings[2]!.description).toContain('"unbalanced');
    expect(bad(rows).map((r) => r.line)).toEqual([4, 5, 6]);
    expect(bad(rows)[0]!.reason).toMatch(/columns/);
    expect(bad(rows)[1]!.reason).toMatch(/price/);
    expect(bad(rows)[2]!.reason).toMatch(/item_condition_id/);
  });

  it('rejects a file without the expected header', async () => {
    const rows = await collect(readMercariTsv(Readable.from(['id\tname\n1\tx\n'])));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ok: false, line: 1 });
  });
});

describe('NDJSON listings importer', () => {
  it('validates each line against the listing schema', async () => {
    const good = {
      id: 'n-1',
      seller_id: 's',
      title: 'Lamp',
      description: '',
      category_path: ['Home'],
      condition: 'good',
      price: 500,
      currency: 'USD',
      shipping_payer: 'buyer',
      status: 'on_sale',
      created_at: '2026-11-01T00:00:00Z',
      updated_at: '2026-11-01T00:00:00Z',
      like_count: 0,
      view_count: 0,
    };
    const text = [
      JSON.stringify(good),
      '',
      '{not json',
      JSON.stringify({ ...good, id: 'n-2', condition: 'mint' }),
    ].join('\n');
    const rows = await collect(readNdjsonListings(Readable.from([text])));
    expect(ok(rows).map((l) => l.id)).toEqual(['n-1']);
    expect(bad(rows).map((r) => [r.line, r.reason.slice(0, 12)])).toEqual([
      [3, 'invalid JSON'],
      [4, 'condition: E'],
    ]);
  });
});

const mercariUs = resolve(import.meta.dirname, '../../../../shared/data/mercari-us/mercari.csv');
describe.skipIf(!existsSync(mercariUs))('Mercari US CSV importer on the real file in ../shared/data', () => {
  it('imports nearly every row of the 300', async () => {
    const rows = await collect(readMercariUsCsv(createReadStream(mercariUs), { now }));
    expect(rows.length).toBeGreaterThanOrEqual(290);
    expect(ok(rows).length / rows.length).toBeGreaterThan(0.95);
    expect(ok(rows).every((l) => l.category_path.length >= 1 && Number.isInteger(l.price))).toBe(true);
  });
});
if (!existsSync(mercariUs)) console.warn(`skipping the real-file importer test: ${mercariUs} is absent`);
