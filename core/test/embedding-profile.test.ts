import { describe, expect, it } from 'vitest';
import { embeddingProfile } from '../src/text-embedder.js';

// A wrong profile does not fail: the model still returns 384 numbers, just worse ones. So the model
// directories scripts/fetch-embedding-model.sh can fetch are pinned to their model cards' usage here.
describe('embeddingProfile', () => {
  it('pools [CLS] for bge and puts its retrieval instruction before queries only', () => {
    const p = embeddingProfile('bge-small-en-v15-q');
    expect(p.pooling).toBe('cls');
    expect(p.queryPrefix).toBe('Represent this sentence for searching relevant passages: ');
    expect(p.listingPrefix).toBe('');
  });

  it('mean-pools e5 with its query and passage prefixes', () => {
    expect(embeddingProfile('e5-small-v2-q')).toEqual({
      pooling: 'mean',
      queryPrefix: 'query: ',
      listingPrefix: 'passage: ',
    });
  });

  it('mean-pools all-MiniLM and any other model without a prefix', () => {
    for (const name of ['all-minilm-l6-v2-q', 'all-minilm-l6-v2', 'my-model'])
      expect(embeddingProfile(name)).toEqual({ pooling: 'mean', queryPrefix: '', listingPrefix: '' });
  });
});
