import { createReadStream } from 'node:fs';
import { generateListings } from './generator.js';
import type { ImportRow } from './import-row.js';
import { readMercariTsv } from './mercari-tsv.js';
import { readMercariUsCsv } from './mercari-us-csv.js';
import { readNdjsonListings } from './ndjson.js';

export type SourceSpec =
  | { kind: 'generate'; count: number; seed?: number; startIndex?: number }
  | { kind: 'mercari-tsv' | 'ndjson' | 'mercari-us-csv'; path: string };

/** One entry point for the CLI and the benchmarks: any catalog source as a stream of import rows. */
export async function* openListingSource(spec: SourceSpec): AsyncGenerator<ImportRow> {
  if (spec.kind === 'generate') {
    let line = 0;
    for (const listing of generateListings(spec)) yield { ok: true, line: ++line, listing };
    return;
  }
  const input = createReadStream(spec.path);
  if (spec.kind === 'mercari-tsv') yield* readMercariTsv(input);
  else if (spec.kind === 'mercari-us-csv') yield* readMercariUsCsv(input);
  else yield* readNdjsonListings(input);
}
