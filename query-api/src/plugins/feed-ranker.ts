import fp from 'fastify-plugin';
import { isAbsolute, resolve } from 'node:path';
import { FeedModel } from '../../../ranking/src/feed-model.js';
import { resolveArtifact } from '../../../ranking/src/model-registry.js';

/**
 * The learned home-feed ranker when FEED_RANKER=learned and its model loads; null otherwise, and the feed
 * is ordered by the blend. A missing or broken model is logged, never a failed boot: the blend is a
 * sound feed, and the search ranker treats its model the same way.
 */
export default fp(
  async (app) => {
    const { mode, name, version } = app.config.feedRanker;
    let model: FeedModel | null = null;
    if (mode === 'learned') {
      const dir = app.config.model.dir;
      try {
        model = await FeedModel.load(
          resolveArtifact(isAbsolute(dir) ? dir : resolve(process.cwd(), dir), name, version),
        );
        app.log.info({ component: 'feed-ranker', model: model.name }, 'feed ranker: learned model loaded');
      } catch (err) {
        app.log.warn(
          { component: 'feed-ranker', err: (err as Error).message },
          `feed ranker: model ${name}@${version} unavailable, the feed is ordered by the blend`,
        );
      }
    }
    app.decorate('feedModel', model);
    app.addHook('onClose', async () => model?.close());
  },
  { name: 'feed-ranker' },
);
