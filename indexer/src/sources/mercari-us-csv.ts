import { parse } from 'csv-parse';
import type { ImportRow } from './import-row.js';
import { toImportRow } from './import-row.js';

/**
 * Mercari US listings export (header: id, name, status, description, originalPrice, price,
 * shippingPayerName, itemCategoryNameLevel0..2, photos, brandName, itemSizeName, itemConditionName, ...).
 * Prices are in cents; descriptions are quoted multi-line text.
 */
const CONDITIONS: Record<string, string> = {
  new: 'new',
  'like new': 'like_new',
  good: 'good',
  fair: 'fair',
  poor: 'poor',
};

export async function* readMercariUsCsv(
  input: NodeJS.ReadableStream,
  opts: { now?: Date } = {},
): AsyncGenerator<ImportRow> {
  const now = (opts.now ?? new Date()).toISOString();
  const parser = input.pipe(
    parse({ columns: true, relax_column_count: true, skip_empty_lines: true, info: true, bom: true }),
  );
  for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    const f = rec.record;
    const line = rec.info.lines;
    const condition = CONDITIONS[(f.itemConditionName ?? '').trim().toLowerCase()];
    const price = Number(f.price);
    if (!condition) {
      yield { ok: false, line, reason: `itemConditionName: unknown ${JSON.stringify(f.itemConditionName)}` };
      continue;
    }
    if (!Number.isInteger(price) || price < 0) {
      yield { ok: false, line, reason: `price: not integer cents (${JSON.stringify(f.price)})` };
      continue;
    }
    const path = [f.itemCategoryNameLevel0, f.itemCategoryNameLevel1, f.itemCategoryNameLevel2]
      .map((s) => (s ?? '').trim())
      .filter(Boolean);
    const status = (f.status ?? '').toLowerCase().includes('sold') ? 'sold' : 'on_sale';
    yield toImportRow(line, {
      id: `mercari-us-${f.id}`,
      seller_id: 'mercari-us-unknown',
      title: (f.name ?? '').trim().slice(0, 200),
      description: (f.description ?? '').slice(0, 10_000),
      category_path: path.length > 0 ? path : ['Other'],
      ...(f.brandName?.trim() ? { brand: f.brandName.trim().slice(0, 80) } : {}),
      condition,
      price,
      currency: 'USD',
      shipping_payer: /buyer/i.test(f.shippingPayerName ?? '') ? 'buyer' : 'seller',
      status,
      created_at: now,
      updated_at: now,
      like_count: 0,
      view_count: 0,
      ...(f.itemSizeName?.trim() ? { size: f.itemSizeName.trim().slice(0, 40) } : {}),
      ...(f.photoLarge1?.trim() ? { image_url: f.photoLarge1.trim() } : {}),
    });
  }
}
