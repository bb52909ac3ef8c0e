import { describe, expect, it } from 'vitest';
import { EMBEDDING_DIMS } from '../../core/src/index.js';
import { QueryEmbeddings } from '../src/search/query-embeddings.js';

/** An embedder that counts its runs and answers a vector derived from the text's length. */
function countingEmbedder(fail?: string) {
  const runs: string[] = [];
  return {
    runs,
    embed: async (texts: string[]) => {
      runs.push(...texts);
      await new Promise((r) => setTimeout(r, 5));
      if (texts.includes(fail ?? '\0')) throw new Error('model failed');
      return texts.map((t) => new Float32Array(EMBEDDING_DIMS).fill(t.length));
    },
    close: async () => undefined,
  };
}

describe('query embeddings', () => {
  it('embeds a text once, however many searches ask for it at the same time or later', async () => {
    const model = countingEmbedder();
    const timed: number[] = [];
    const q = new QueryEmbeddings(model, (ms) => timed.push(ms));
    const first = await Promise.all([q.embed('red dress'), q.embed('red dress'), q.embed('boots')]);
    const again = await q.embed('red dress');
    expect(model.runs.sort()).toEqual(['boots', 'red dress']);
    expect(timed).toHaveLength(2);
    expect(again).toBe(first[0]);
    expect(first[2]![0]).toBe('boots'.length);
  });

  it('keeps at most `max` texts, dropping the least recently used', async () => {
    const model = countingEmbedder();
    const q = new QueryEmbeddings(model, undefined, 2);
    for (const t of ['a', 'b', 'a', 'c', 'a', 'b']) await q.embed(t);
    // 'b' left when 'c' came (a was used after it), and was embedded again.
    expect(model.runs).toEqual(['a', 'b', 'c', 'b']);
  });

  it('a failed embedding rejects and is not kept: the next search tries again', async () => {
    const model = countingEmbedder('bad');
    const q = new QueryEmbeddings(model);
    await expect(q.embed('bad')).rejects.toThrow('model failed');
    await expect(q.embed('bad')).rejects.toThrow('model failed');
    expect(model.runs).toEqual(['bad', 'bad']);
  });
});
