import fp from 'fastify-plugin';
import { ChangeProducer } from '../../../core/src/pipeline/change-producer.js';

/** The listing-change producer behind POST /v1/listings/changes; closed with the app. */
export default fp(
  async (app) => {
    const producer = new ChangeProducer(app.config, { failFast: true });
    await producer.bullQueue.waitUntilReady();
    app.decorate('changeProducer', producer);
    app.addHook('onClose', async () => producer.close());
  },
  { name: 'change-producer' },
);
