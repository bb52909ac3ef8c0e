import { afterAll, describe, expect, it } from 'vitest';
import { aliasTargets, createPhysicalIndex, ensureListingsIndex } from '../src/pipeline/index-admin.js';
import { INDEX_DEFINITION_VERSION, toListingDocument, type Listing } from '../src/index.js';
import { dropIndices, esClient, testConfig } from '../../test/support/services.js';
import { goodListing } from './fixtures.js';

const config = testConfig();
const es = esClient(config);
const alias = config.elasticsearch.alias;

afterAll(async () => {
  await dropIndices(es, alias);
  await es.close();
});

async function analyze(analyzer: string, text: string): Promise<string[]> {
  const index = (await aliasTargets(es, alias))[0]!;
  const res = await es.indices.analyze({ index, analyzer, text });
  return (res.tokens ?? []).map((t) => t.token);
}

describe('index definition on the real Elasticsearch', () => {
  it('creates a versioned index behind the alias, idempotently', async () => {
    const first = await ensureListingsIndex(es, config.elasticsearch);
    const second = await ensureListingsIndex(es, config.elasticsearch);
    expect(first).toBe(second);
    expect(first.startsWith(`${alias}-v${INDEX_DEFINITION_VERSION}-`)).toBe(true);
    expect(await aliasTargets(es, alias)).toEqual([first]);
  });

  it('stems, folds accents and applies search-time synonyms', async () => {
    expect(await analyze('english_text', "Women's Cafés Running")).toEqual(['women', 'cafe', 'run']);
    const tokens = await analyze('english_search', 'trainers');
    expect(tokens).toEqual(expect.arrayContaining(['sneaker', 'trainer']));
  });

  it('indexes a derived document and rejects unknown fields (strict mapping)', async () => {
    const doc = toListingDocument(goodListing as Listing, 1, '2026-11-02T10:00:00Z');
    await es.index({ index: alias, id: doc.id, document: doc, version: 1, version_type: 'external', refresh: true });
    const hit = await es.search({ index: alias, query: { match: { title: 'trainers' } } });
    expect(hit.hits.hits.map((h) => h._id)).toEqual(['l-1']);
    await expect(
      es.index({ index: alias, id: 'x', document: { ...doc, colour: 'red' }, refresh: true }),
    ).rejects.toThrow(/strict_dynamic_mapping_exception/);
  });

  it('a second physical index can be created for a reindex without touching the alias', async () => {
    const name = await createPhysicalIndex(es, config.elasticsearch, `${alias}-v2-manual`);
    expect(await aliasTargets(es, alias)).not.toContain(name);
  });
});
