import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../core/src/index.js';
import { buildApp } from '../query-api/src/app.js';
import { loadUserProfile } from '../query-api/src/profiles/profile-store.js';
import { feedCandidates } from '../query-api/src/recommendations/feed.js';
import { FEED_FEATURE_NAMES, FEED_FEATURE_SPEC_SHA256, feedFeatures } from '../ranking/src/feed-features.js';
import { userSplit, type Split } from './thredup-data.js';

/**
 * Training rows for the learned feed ranker, computed by the serving code on the loaded bench: for every
 * 2+-favorite user of the **tuning** half only, the candidates the service gathers for them
 * (recommendations/feed.ts feedCandidates, from their replayed profile, the neighbour lists, the index)
 * and each candidate's features (ranking/src/feed-features.ts), labelled 1 for their hidden last favorite.
 * The evaluation half's users are never written: nothing about them can reach a model or its choice.
 * One JSON line per user: { user, target, in_pool, ids, features }; a first line holds the spec's hash
 * and column names, so training refuses rows of another spec. `now` is when the listings' creation dates were
 * computed (the last publish), so freshness is each listing's hashed age exactly, whenever the export runs.
 */
export async function exportFeedTraining(
  config: Config,
  split: Split,
  out: string,
  now: Date,
): Promise<{ users: number; inPool: number }> {
  mkdirSync(dirname(out), { recursive: true });
  const file = createWriteStream(out);
  const write = (line: unknown) =>
    new Promise<void>((ok, fail) => file.write(`${JSON.stringify(line)}\n`, (err) => (err ? fail(err) : ok())));
  // In process, on the bench's own index and key prefix: the same code path as a feed build, minus HTTP.
  const app = await buildApp({ ...config, feedRanker: { ...config.feedRanker, mode: 'blend' } }, { logger: false });
  let users = 0;
  let inPool = 0;
  try {
    await write({ feature_spec_sha256: FEED_FEATURE_SPEC_SHA256, feature_names: FEED_FEATURE_NAMES });
    for (const [user, target] of split.hidden) {
      if (userSplit(user) !== 'tuning') continue;
      const profile = await loadUserProfile(app.redis, config.redis.namespace, user);
      if (!profile) continue;
      const { entries, together } = await feedCandidates(app, profile);
      // By id: the order of equally popular listings is Elasticsearch's, and it may differ between exports.
      entries.sort((a, b) => a.doc.id.localeCompare(b.doc.id));
      const rows = feedFeatures(
        entries.map((e) => ({ doc: e.doc, source: e.source, together: together.get(e.doc.id) ?? 0 })),
        profile,
        now,
      );
      const ids = entries.map((e) => e.doc.id);
      users++;
      if (ids.includes(target)) inPool++;
      await write({ user, target, in_pool: ids.includes(target), ids, features: rows });
    }
  } finally {
    await new Promise<void>((ok) => file.end(ok));
    await app.close();
  }
  return { users, inPool };
}
