import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { ImportRow } from './import-row.js';
import { toImportRow } from './import-row.js';

interface IcecatProduct {
  id?: string | number;
  title?: string;
  supplier?: string;
  price?: number;
  short_description?: string;
  img_500x500?: string;
  date_released?: string;
}

/**
 * Icecat products have no category. A plausible path is derived from words of the title (first rule
 * that matches); it only needs to be stable, since the judged queries are about products, not paths.
 */
const CATEGORY_RULES: Array<[RegExp, string]> = [
  [/\b(toner|ink|cartridge|drum)\b/i, 'Printer Supplies'],
  [/\b(printer|multifunction|scanner|copier)\b/i, 'Printers & Scanners'],
  [/\b(notebook|laptop|ultrabook|chromebook)\b/i, 'Laptops'],
  [/\b(tablet|ipad)\b/i, 'Tablets'],
  [/\b(monitor|display|projector)\b/i, 'Monitors & Projectors'],
  [/\b(cable|adapter|connector|switch|kvm|hub)\b/i, 'Cables & Adapters'],
  [/\b(ups|battery|power|surge|pdu)\b/i, 'Power'],
  [/\b(speaker|headphone|headset|earphone|microphone|audio)\b/i, 'Audio'],
  [/\b(mouse|keyboard)\b/i, 'Keyboards & Mice'],
  [/\b(camera|webcam|camcorder)\b/i, 'Cameras'],
  [/\b(memory|ssd|hdd|drive|storage|usb flash)\b/i, 'Storage'],
  [/\b(case|bag|sleeve|backpack)\b/i, 'Bags & Cases'],
];

export function icecatCategory(title: string): string[] {
  const leaf = CATEGORY_RULES.find(([re]) => re.test(title))?.[1] ?? 'Other Electronics';
  return ['Electronics', 'Computers & Office', leaf];
}

async function unzipJson(path: string): Promise<unknown> {
  const child = spawn('unzip', ['-p', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  for await (const c of child.stdout) chunks.push(c as Buffer);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`unzip -p ${path} exited with ${code}`);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Products of the icecat JSON zips as listings (id = product id, supplier = brand, condition new). */
export async function* readIcecatProducts(zipPaths: string[], opts: { now?: Date } = {}): AsyncGenerator<ImportRow> {
  const now = (opts.now ?? new Date('2026-11-01T00:00:00Z')).toISOString();
  let line = 0;
  for (const path of zipPaths) {
    const products = (await unzipJson(path)) as IcecatProduct[];
    for (const p of products) {
      line++;
      const title = (p.title ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
      yield toImportRow(line, {
        id: String(p.id ?? ''),
        seller_id:
          (p.supplier ?? 'unknown')
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .slice(0, 64) || 'unknown',
        title,
        description: (p.short_description ?? '').slice(0, 10_000),
        category_path: icecatCategory(title),
        ...(p.supplier ? { brand: p.supplier.slice(0, 80) } : {}),
        condition: 'new',
        price: Number.isInteger(p.price) ? p.price : 0,
        currency: 'USD',
        shipping_payer: 'seller',
        status: 'on_sale',
        created_at: now,
        updated_at: now,
        like_count: 0,
        view_count: 0,
        ...(p.img_500x500 ? { image_url: p.img_500x500 } : {}),
      });
    }
  }
}

export interface Judgment {
  query: string;
  docid: string;
  rating: number;
}

/**
 * query,docid,rating rows (ratings 0..3; other columns, such as a judging pool's title, are ignored). A
 * row without a whole grade 0..3 stops the read with its line: a judging pool sent back with empty
 * grades must not be read as "all irrelevant".
 */
export async function readJudgments(csvPath: string): Promise<Judgment[]> {
  const rows = parse(await readFile(csvPath, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<
    Record<string, string | undefined>
  >;
  return rows.map((r, i) => {
    const query = r.query?.trim() ?? '';
    const docid = r.docid?.trim() ?? '';
    const grade = r.rating?.trim() ?? '';
    if (!query || !docid || !/^[0-3]$/.test(grade)) {
      throw new Error(
        `${csvPath} line ${i + 2}: needs a query, a docid and a rating 0..3, got ${JSON.stringify({ query, docid, rating: grade })}`,
      );
    }
    return { query, docid, rating: Number(grade) };
  });
}
