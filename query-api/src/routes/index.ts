import type { FastifyInstance } from 'fastify';
import { changesRoutes } from './changes.js';
import { eventsRoutes } from './events.js';
import { feedRoutes } from './feed.js';
import { healthRoutes } from './health.js';
import { searchRoutes } from './search.js';
import { similarRoutes } from './similar.js';
import { suggestRoutes } from './suggest.js';
import { workbenchRoutes } from './workbench.js';

/** Every route of the API, in one list. */
export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes);
  await app.register(searchRoutes);
  await app.register(suggestRoutes);
  await app.register(changesRoutes);
  await app.register(eventsRoutes);
  await app.register(similarRoutes);
  await app.register(feedRoutes);
  await app.register(workbenchRoutes);
}
