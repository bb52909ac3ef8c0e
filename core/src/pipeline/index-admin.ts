import type { Client } from '@elastic/elasticsearch';
import { indexMappings, indexSettings, physicalIndexName, type Config } from '../index.js';

type EsConfig = Config['elasticsearch'];

/** Creates a new physical index with the current definition (not yet behind the alias). */
export async function createPhysicalIndex(
  client: Client,
  es: EsConfig,
  name = physicalIndexName(es.alias),
): Promise<string> {
  await client.indices.create({
    index: name,
    settings: indexSettings({ shards: es.shards, replicas: es.replicas, refreshInterval: es.refreshInterval }),
    mappings: indexMappings,
  });
  return name;
}

/** The physical indices the alias points at now (empty when the alias does not exist). */
export async function aliasTargets(client: Client, alias: string): Promise<string[]> {
  const exists = await client.indices.existsAlias({ name: alias });
  if (!exists) return [];
  const res = await client.indices.getAlias({ name: alias });
  return Object.keys(res);
}

/**
 * Makes sure the alias exists and points at one index, creating the first one if needed.
 * Idempotent and safe to call from every process at start-up.
 */
export async function ensureListingsIndex(client: Client, es: EsConfig): Promise<string> {
  const current = await aliasTargets(client, es.alias);
  if (current.length > 0) return current[0]!;
  const name = await createPhysicalIndex(client, es);
  try {
    await client.indices.updateAliases({ actions: [{ add: { index: name, alias: es.alias, is_write_index: true } }] });
    return name;
  } catch (err) {
    // Another process won the race: use its index, drop ours.
    const winner = await aliasTargets(client, es.alias);
    if (winner.length === 0) throw err;
    await client.indices.delete({ index: name, ignore_unavailable: true });
    return winner[0]!;
  }
}
