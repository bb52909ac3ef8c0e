import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createElasticsearchClient } from '../../core/src/elasticsearch-client.js';
import { loadConfig, loggerOptions, type Config } from '../../core/src/index.js';
import { DeadLetterQueue } from './dead-letters.js';
import { ensureListingsIndex } from '../../core/src/pipeline/index-admin.js';
import { ChangeProducer } from '../../core/src/pipeline/change-producer.js';
import { queueNames } from '../../core/src/redis-keys.js';
import { reindex } from './reindex.js';
import { openListingSource, type SourceSpec } from './sources/open-source.js';
import { upsertEvent } from './sources/to-events.js';

const USAGE = `usage: indexer/src/cli.ts <command>
  publish --generate N [--seed S]                 publish a generated demo catalog
  publish --file PATH --format ndjson|mercari-tsv|mercari-us-csv|events
  wait-idle [--timeout-s 600] [--refresh]         wait until the changes queue is empty (--refresh: and searchable now)
  ensure-index                                    create the index and alias if missing
  dlq list [--limit 50] | dlq show ID | dlq replay (ID | --all)
  reindex [--file PATH --format ...] [--keep-old]  zero-downtime rebuild, then alias swap`;

/** Index creation and refresh: the client's own default, not the query API's short ES_REQUEST_TIMEOUT_MS. */
const ADMIN_TIMEOUT_MS = 30_000;

const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      generate: { type: 'string' },
      seed: { type: 'string' },
      file: { type: 'string' },
      format: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      'keep-old': { type: 'boolean' },
      'timeout-s': { type: 'string' },
      refresh: { type: 'boolean' },
    },
  });
  const config = loadConfig(process.env);
  const [command, sub, arg] = positionals;
  switch (command) {
    case 'publish':
      return publish(config, values);
    case 'wait-idle': {
      const code = await waitIdle(config, Number(values['timeout-s'] ?? 600));
      if (code === 0 && values.refresh) {
        // Written documents become searchable at the next refresh (<= refresh_interval); scripts that
        // query right away ask for it now.
        const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: ADMIN_TIMEOUT_MS });
        await es.indices.refresh({ index: config.elasticsearch.alias });
        await es.close();
      }
      return code;
    }
    case 'ensure-index': {
      const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: ADMIN_TIMEOUT_MS });
      out({ index: await ensureListingsIndex(es, config.elasticsearch), alias: config.elasticsearch.alias });
      await es.close();
      return 0;
    }
    case 'dlq':
      return dlq(config, sub, arg, values);
    case 'reindex': {
      const es = createElasticsearchClient(config.elasticsearch, { requestTimeout: 120_000 });
      const redis = new Redis(config.redis.url);
      const source = values.file ? fileSpec(values.file, values.format) : undefined;
      if (source && source.kind === 'events') throw new Error('reindex reads listings, not events');
      out(
        await reindex(es, redis, config, pino(loggerOptions(config, 'reindex')), {
          source: source as SourceSpec | undefined,
          keepOld: values['keep-old'],
        }),
      );
      await es.close();
      redis.disconnect();
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

type FileSpec = SourceSpec | { kind: 'events'; path: string };

function fileSpec(path: string, format = 'ndjson'): FileSpec {
  if (!['ndjson', 'mercari-tsv', 'mercari-us-csv', 'events'].includes(format))
    throw new Error(`unknown --format ${format}`);
  return { kind: format as 'ndjson', path };
}

/** Streams a source into the queue in chunks; prints counts and the skipped rows with line numbers. */
async function publish(config: Config, values: Record<string, unknown>): Promise<number> {
  const producer = new ChangeProducer(config);
  const skipped: Array<{ line: number; reason: string }> = [];
  let published = 0;
  let chunk: unknown[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    published += await producer.publish(chunk);
    chunk = [];
  };
  try {
    const spec: FileSpec = values.generate
      ? { kind: 'generate', count: Number(values.generate), seed: values.seed ? Number(values.seed) : 42 }
      : values.file
        ? fileSpec(String(values.file), values.format as string | undefined)
        : (() => {
            throw new Error('publish needs --generate N or --file PATH');
          })();
    if (spec.kind === 'events') {
      let line = 0;
      for await (const text of createInterface({ input: createReadStream(spec.path), crlfDelay: Infinity })) {
        line++;
        if (!text.trim()) continue;
        try {
          chunk.push(JSON.parse(text));
        } catch (e) {
          skipped.push({ line, reason: `invalid JSON: ${(e as Error).message}` });
        }
        if (chunk.length >= 5000) await flush();
      }
    } else {
      const emittedAt = new Date();
      for await (const row of openListingSource(spec)) {
        if (!row.ok) skipped.push({ line: row.line, reason: row.reason });
        else chunk.push(upsertEvent(row.listing, undefined, emittedAt));
        if (chunk.length >= 5000) await flush();
      }
    }
    await flush();
  } finally {
    await producer.close();
  }
  out({ published, skipped: skipped.length, skipped_rows: skipped.slice(0, 100) });
  return 0;
}

async function waitIdle(config: Config, timeoutS: number): Promise<number> {
  const names = queueNames(config);
  const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(names.changes, { connection, prefix: names.prefix });
  const deadline = Date.now() + timeoutS * 1000;
  try {
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const left = Object.values(c).reduce((a, b) => a + b, 0);
      if (left === 0) return 0;
      if (Date.now() > deadline) {
        out({ idle: false, remaining: c });
        return 1;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

async function dlq(
  config: Config,
  sub: string | undefined,
  id: string | undefined,
  values: Record<string, unknown>,
): Promise<number> {
  const names = queueNames(config);
  const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const letters = new DeadLetterQueue(names.deadLetters, names.prefix, connection);
  try {
    if (sub === 'list') {
      const items = await letters.list(Number(values.limit ?? 50));
      out({
        size: await letters.size(),
        items: items.map((i) => ({ id: i.id, reason: i.letter.reason, failed_at: i.letter.failed_at })),
      });
      return 0;
    }
    if (sub === 'show' && id) {
      const letter = await letters.get(id);
      if (!letter) throw new Error(`no dead letter ${id}`);
      out(letter);
      return 0;
    }
    if (sub === 'replay' && (id || values.all)) {
      const producer = new ChangeProducer(config);
      try {
        out(await letters.replay((events) => producer.publish(events), id ? [id] : undefined));
      } finally {
        await producer.close();
      }
      return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } finally {
    await letters.close();
    connection.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
