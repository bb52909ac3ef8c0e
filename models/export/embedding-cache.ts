/**
 * Listing embeddings cached on disk (.data/embeddings/<model>.jsonl), keyed by the embedded text: the
 * 19k icecat products take minutes to embed on the shared cores, and every training export needs them.
 * A product whose text changed is embedded again; the rest are read back.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TextEmbedder } from '../../core/src/text-embedder.js';

const BATCH = 64;

const keyOf = (text: string) => createHash('sha1').update(text).digest('base64url');

/**
 * Embeddings for the texts (same order), from the cache file where present, else computed in batches
 * (sorted by length, so a batch pads little) and appended to the file. `onProgress` gets the count done.
 */
export async function cachedEmbeddings(
  embedder: TextEmbedder,
  texts: string[],
  file: string,
  onProgress?: (done: number, todo: number) => void,
): Promise<Float32Array[]> {
  const cache = new Map<string, Float32Array>();
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const { k, v } = JSON.parse(line) as { k: string; v: string };
      cache.set(k, new Float32Array(new Uint8Array(Buffer.from(v, 'base64')).buffer));
    }
  }
  const keys = texts.map(keyOf);
  // One index per text not cached yet (the same text twice is embedded once).
  const first = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!cache.has(k) && !first.has(k)) first.set(k, i);
  });
  const todo = [...first.values()].sort((a, b) => texts[a]!.length - texts[b]!.length);
  mkdirSync(dirname(file), { recursive: true });
  for (let start = 0; start < todo.length; start += BATCH) {
    const batch = todo.slice(start, start + BATCH);
    const vectors = await embedder.embed(
      batch.map((i) => texts[i]!),
      'listing',
    );
    const lines = batch.map((i, j) => {
      cache.set(keys[i]!, vectors[j]!);
      return JSON.stringify({ k: keys[i], v: Buffer.from(vectors[j]!.buffer).toString('base64') });
    });
    if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
    onProgress?.(Math.min(start + BATCH, todo.length), todo.length);
  }
  return keys.map((k) => cache.get(k)!);
}
