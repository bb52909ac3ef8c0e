/**
 * Lag of the indexer's embedding step (indexer/src/embedding-step.ts): listings are written by text (as
 * the bulk writer does, external versions) at a steady rate, the step sweeps and embeds them in batches
 * beside; per listing, the time from its text write to its vector write. Then a burst written at once,
 * and how long the step takes to drain it (its throughput on this machine). kNN sees a vector after the
 * next refresh (refresh_interval, 1 s by default) on top of the lag.
 *
 *   npx tsx bench/embedding-lag.ts [--rate 20] [--seconds 15] [--burst 1000] [--batch 32]
 *
 * Listings are icecat products (title, brand, category as the indexer embeds them).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, toListingDocument, type Listing } from '../core/src/index.js';
import { createElasticsearchClient } from '../core/src/elasticsearch-client.js';
import { TextEmbedder } from '../core/src/text-embedder.js';
import { EmbeddingStep } from '../indexer/src/embedding-step.js';
import { ensureListingsIndex } from '../core/src/pipeline/index-admin.js';
import { readIcecatProducts } from '../indexer/src/sources/icecat.js';
import { arg, log, root, summarizeLatencies, uniqueSuffix } from './support.js';

const rate = arg('rate', 20);
const seconds = arg('seconds', 15);
const burst = arg('burst', 1000);
const batch = arg('batch', 32);
const dataDir = resolve(root, '../shared/data/icecat');
if (!existsSync(join(dataDir, '1.json.zip'))) {
  process.stderr.write(`no icecat data at ${dataDir} (see ../shared/data/README.md)\n`);
  process.exit(3);
}
const config = loadConfig({ ...process.env, ES_INDEX_ALIAS: `bench-emblag-${uniqueSuffix()}` });
const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 60_000 });
const alias = config.elasticsearch.alias;
const listings: Listing[] = [];
for await (const row of readIcecatProducts([join(dataDir, '1.json.zip')])) {
  if (row.ok) listings.push(row.listing);
  if (listings.length >= rate * seconds + burst) break;
}
await ensureListingsIndex(es, config.elasticsearch);
const embedder = await TextEmbedder.load({ dir: join(root, '.data/models/all-minilm-l6-v2-q'), threads: 1 });
const lags: number[] = [];
let embedded = 0;
let embedMs = 0;
const step = new EmbeddingStep(es, embedder, {
  alias,
  batch,
  idleMs: config.embedding.idleMs,
  onBatch: (s) => {
    lags.push(...s.lagsMs);
    embedded += s.embedded;
    embedMs += s.embedMs;
  },
});
const write = (ls: Listing[]) =>
  es.bulk({
    operations: ls.flatMap((l) => [
      { index: { _index: alias, _id: l.id, version: 1, version_type: 'external' as const } },
      toListingDocument(l, 1, l.updated_at),
    ]),
  });
try {
  step.start();
  log(`steady: ${rate} listings/s for ${seconds} s`);
  const steady = listings.slice(0, rate * seconds);
  const started = Date.now();
  for (let i = 0; i < steady.length; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    await write([steady[i]!]);
  }
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 600_000;
    while (embedded < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  };
  await waitFor(steady.length);
  const steadyLags = lags.splice(0);
  const steadyModelMs = embedMs;
  log(`burst: ${burst} listings at once`);
  const burstStart = Date.now();
  await write(listings.slice(steady.length, steady.length + burst));
  await waitFor(steady.length + burst);
  const drainMs = Date.now() - burstStart;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'embedding-lag',
        machine: '2 shared cores; Elasticsearch and this process on the same host; one onnxruntime thread',
        batch,
        idle_ms: config.embedding.idleMs,
        refresh_interval: config.elasticsearch.refreshInterval,
        steady: {
          listings_per_s: rate,
          listings: steady.length,
          lag_text_to_vector_ms: summarizeLatencies(steadyLags),
          model_ms_per_listing: Math.round((steadyModelMs / steady.length) * 100) / 100,
        },
        burst: {
          listings: burst,
          drained_in_ms: drainMs,
          listings_per_s: Math.round((burst / drainMs) * 1000 * 10) / 10,
          lag_text_to_vector_ms: summarizeLatencies(lags),
        },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await step.stop();
  await embedder.close();
  await es.indices.delete({ index: `${alias}-*`, ignore_unavailable: true });
  await es.close();
}
