import { parse } from 'csv-parse';
import type { ImportRow } from './import-row.js';
import { toImportRow } from './import-row.js';

/**
 * The Mercari price-suggestion TSV: train_id, name, item_condition_id, category_name ("A/B/C"),
 * brand_name, price (dollars), shipping (1 = seller pays), item_description. It has no seller, dates,
 * or engagement: those get neutral values.
 */
const COLUMNS = [
  'train_id',
  'name',
  'item_condition_id',
  'category_name',
  'brand_name',
  'price',
  'shipping',
  'item_description',
];
const CONDITION_BY_ID: Record<string, string> = { '1': 'new', '2': 'like_new', '3': 'good', '4': 'fair', '5': 'poor' };

export async function* readMercariTsv(
  input: NodeJS.ReadableStream,
  opts: { now?: Date } = {},
): AsyncGenerator<ImportRow> {
  const now = (opts.now ?? new Date()).toISOString();
  const parser = input.pipe(
    parse({
      delimiter: '\t',
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      quote: false,
    }),
  );
  let header: string[] | undefined;
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const line = rec.info.lines;
    const row = rec.record;
    if (!header) {
      header = row.map((h) => h.trim());
      const missing = COLUMNS.filter((c) => !header!.includes(c));
      if (missing.length > 0) {
        yield { ok: false, line, reason: `header lacks ${missing.join(', ')}` };
        return;
      }
      continue;
    }
    if (row.length !== header.length) {
      yield { ok: false, line, reason: `expected ${header.length} columns, got ${row.length}` };
      continue;
    }
    const f = Object.fromEntries(header.map((h, i) => [h, row[i]!.trim()]));
    const price = Number(f.price);
    const condition = CONDITION_BY_ID[f.item_condition_id ?? ''];
    if (!Number.isFinite(price) || price < 0) {
      yield { ok: false, line, reason: `price: not a number (${JSON.stringify(f.price)})` };
      continue;
    }
    if (!condition) {
      yield { ok: false, line, reason: `item_condition_id: expected 1..5, got ${JSON.stringify(f.item_condition_id)}` };
      continue;
    }
    const path = (f.category_name ?? '')
      .split('/')
      .map((s) => s.trim())
      .filter(Boolean);
    const description = f.item_description === 'No description yet' ? '' : (f.item_description ?? '');
    yield toImportRow(line, {
      id: `mercari-${f.train_id}`,
      seller_id: 'mercari-unknown',
      title: f.name,
      description: description.slice(0, 10_000),
      category_path: path.length > 0 ? path.slice(0, 5) : ['Other'],
      ...(f.brand_name ? { brand: f.brand_name } : {}),
      condition,
      price: Math.round(price * 100),
      currency: 'USD',
      shipping_payer: f.shipping === '1' ? 'seller' : 'buyer',
      status: 'on_sale',
      created_at: now,
      updated_at: now,
      like_count: 0,
      view_count: 0,
    });
  }
}
