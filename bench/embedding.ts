/**
 * Cost of the text embedding on this machine: one query at a time (the search path: p50/p99 over the
 * judged queries, repeated) and listings in batches (the indexer's embedding step), and what embedding
 * 225k new listings a day costs in CPU time.
 *
 *   npx tsx bench/embedding.ts [--model all-minilm-l6-v2-q] [--threads 1] [--rounds 20] [--listings 2048] [--batch 64]
 *
 * Queries are the judged icecat queries; listings the first --listings icecat products (title, brand,
 * category as the indexer embeds them). Needs ../shared/data/icecat and scripts/fetch-embedding-model.sh.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readIcecatProducts, readJudgments } from '../indexer/src/sources/icecat.js';
import { listingEmbeddingText, TextEmbedder } from '../core/src/text-embedder.js';
import { percentile, round, root } from './support.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'all-minilm-l6-v2-q' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '20' },
    listings: { type: 'string', default: '2048' },
    batch: { type: 'string', default: '64' },
  },
});
const dataDir = resolve(root, '../shared/data/icecat');
if (!existsSync(join(dataDir, 'judgments-dev.csv'))) {
  process.stderr.write(`no icecat data at ${dataDir} (see ../shared/data/README.md)\n`);
  process.exit(3);
}
const embedder = await TextEmbedder.load({
  dir: join(root, '.data/models', values.model!),
  threads: Number(values.threads),
});
const queries = [...new Set((await readJudgments(join(dataDir, 'judgments-dev.csv'))).map((j) => j.query))];
await embedder.embed(queries.slice(0, 8), 'query'); // warm-up: the first runs allocate
const perQuery: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  for (const q of queries) {
    const t = performance.now();
    await embedder.embed([q], 'query');
    perQuery.push(performance.now() - t);
  }
}
const texts: string[] = [];
for await (const row of readIcecatProducts(
  [1, 2, 3, 4].map((n) => join(dataDir, `${n}.json.zip`)).filter(existsSync),
)) {
  if (row.ok) texts.push(listingEmbeddingText(row.listing));
  if (texts.length >= Number(values.listings)) break;
}
const batch = Number(values.batch);
const started = performance.now();
for (let i = 0; i < texts.length; i += batch) await embedder.embed(texts.slice(i, i + batch), 'listing');
const perListingMs = (performance.now() - started) / texts.length;
const sorted = perQuery.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'embedding',
      model: embedder.name,
      threads: Number(values.threads),
      query: {
        samples: sorted.length,
        p50_ms: round(percentile(sorted, 50), 2),
        p99_ms: round(percentile(sorted, 99), 2),
        max_ms: round(sorted.at(-1)!, 2),
      },
      listings: {
        count: texts.length,
        batch,
        ms_per_listing: round(perListingMs, 2),
        listings_per_s: round(1000 / perListingMs, 1),
      },
      // One core-second per listing-millisecond: what a day of new listings costs the indexer's embedding step.
      per_day_225k: {
        cpu_minutes: round((225_000 * perListingMs * Number(values.threads)) / 60_000, 1),
        share_of_one_core: round((225_000 * perListingMs * Number(values.threads)) / 86_400_000, 4),
      },
    },
    null,
    2,
  )}\n`,
);
await embedder.close();
