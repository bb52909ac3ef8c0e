import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { EventService, parseEvents } from '../events/event-service.js';
import { Problem } from '../schemas/problem.js';

const MAX_EVENTS = 500;
const EventsBody = Type.Object(
  { events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_EVENTS }) },
  { additionalProperties: false },
);
const EventsAccepted = Type.Object({ accepted: Type.Integer(), unknown_listings: Type.Array(Type.String()) });

/**
 * User interactions, in batches. All-or-nothing: one bad event rejects the batch with a 400 naming
 * `events[i].field`, so clients never resend what was already taken. Valid batches update the users'
 * profiles and are appended to the interactions stream (training data, joined with the feature log).
 * Only callers with the `events` scope (the app's backend) may write them: events steer what a person
 * is shown and what the ranker learns, so anonymous writes would let anyone rewrite anyone's feed.
 */
export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new EventService(app);
  app.post(
    '/v1/events',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Record user interaction events (view, like, purchase, search, click); events scope',
        body: EventsBody,
        response: { 202: EventsAccepted, 400: Problem, 401: Problem, 403: Problem, 429: Problem, 503: Problem },
      },
      onRequest: app.requireScope('events'),
    },
    async (req, reply) => {
      const events = parseEvents(req.body.events, Date.now());
      const accepted = await service.record(events);
      reply.status(202);
      return accepted;
    },
  );
};
