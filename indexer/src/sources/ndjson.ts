import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ImportRow } from './import-row.js';
import { toImportRow } from './import-row.js';

/** One Listing JSON object per line (blank lines ignored). */
export async function* readNdjsonListings(input: NodeJS.ReadableStream): AsyncGenerator<ImportRow> {
  let line = 0;
  for await (const text of createInterface({ input: input as Readable, crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { ok: false, line, reason: `invalid JSON: ${(e as Error).message}` };
      continue;
    }
    yield toImportRow(line, value);
  }
}
