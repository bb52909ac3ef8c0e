import fp from 'fastify-plugin';
import { isAbsolute, resolve } from 'node:path';
import { FeedModel } from '../../../ranking/src/feed-model.js';
import { resolveArtifact } from '../../../ranking/src/model-registry.js';
import { watchModelDir } from '../../../ranking/src/model-watch.js';

/** How long a replaced model stays open: builds that started on it finish on it. */
const RETIRE_AFTER_MS = 5000;

/**
 * The learned home-feed ranker when FEED_RANKER=learned and its model loads; null otherwise, and the feed
 * is ordered by the blend. A missing or broken model is logged, never a failed boot: the blend is a
 * sound feed, and the search ranker treats its model the same way. Like the search ranker's, the model
 * directory is watched: a new version (FEED_MODEL_VERSION=latest) or a fixed one is served without a
 * restart, and a version that fails to load leaves the loaded one serving.
 */
export default fp(
  async (app) => {
    const { mode, name, version } = app.config.feedRanker;
    const dir = isAbsolute(app.config.model.dir) ? app.config.model.dir : resolve(process.cwd(), app.config.model.dir);
    const log = app.log.child({ component: 'feed-ranker' });
    app.decorate('feedModel', null as FeedModel | null);
    if (mode !== 'learned') return;

    const load = async (): Promise<void> => {
      try {
        const model = await FeedModel.load(resolveArtifact(dir, name, version));
        const old = app.feedModel;
        if (old?.name === model.name) {
          await model.close();
          return;
        }
        app.feedModel = model;
        if (old) setTimeout(() => void old.close(), RETIRE_AFTER_MS).unref();
        log.info({ model: model.name }, 'feed ranker: learned model loaded');
      } catch (err) {
        const message = (err as Error).message;
        if (app.feedModel) log.error({ err: message }, 'feed ranker: reload failed; keeping the loaded model');
        else
          log.warn(
            { err: message },
            `feed ranker: model ${name}@${version} unavailable, the feed is ordered by the blend`,
          );
      }
    };
    await load();
    const stop = watchModelDir(
      dir,
      name,
      () => void load(),
      () => log.warn('feed model directory not watchable; a new model needs a restart'),
    );
    app.addHook('onClose', async () => {
      stop();
      await app.feedModel?.close();
    });
  },
  { name: 'feed-ranker' },
);
