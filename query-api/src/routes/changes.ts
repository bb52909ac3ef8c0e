import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Problem } from '../schemas/problem.js';

const MAX_EVENTS = 1000;
const ChangesBody = Type.Object(
  {
    events: Type.Array(Type.Unknown(), {
      minItems: 1,
      maxItems: MAX_EVENTS,
      description: 'ListingChangeEvent objects (validated one by one)',
    }),
  },
  { additionalProperties: false },
);

/**
 * Ingestion for services that cannot import the producer: a batch of listing change events, validated
 * and durably enqueued (202 once in Redis). Each event is validated against the core schema; one bad
 * event rejects the batch with a 400 naming it, so a client never has to guess what was taken.
 */
export const changesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/listings/changes',
    {
      bodyLimit: 10 * 1024 * 1024,
      schema: {
        tags: ['ingestion'],
        summary: 'Publish listing change events (API key in x-api-key)',
        headers: Type.Object({ 'x-api-key': Type.Optional(Type.String()) }),
        body: ChangesBody,
        response: {
          202: Type.Object({ accepted: Type.Integer() }),
          400: Problem,
          401: Problem,
          403: Problem,
          429: Problem,
          503: Problem,
        },
      },
      onRequest: app.requireScope('ingest'),
    },
    async (req, reply) => {
      const accepted = await app.changeProducer.publish(req.body.events);
      reply.status(202);
      return { accepted };
    },
  );
};
