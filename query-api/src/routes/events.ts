import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  compileValidator, InteractionEvent, interactionEventIssues, redisKeys, ValidationError, type FieldIssue, type ListingDocument,
} from '../../../core/src/index.js';
import { execPipeline } from '../plugins/redis.js';
import { Problem } from '../schemas/problem.js';
import { esCall } from '../search/es-errors.js';
import { foundSources } from '../search/mget.js';
import { recordEvents, type ListingFacts } from '../profiles/profile-store.js';

const MAX_EVENTS = 500;
const validate = compileValidator(InteractionEvent);

/**
 * User interactions, in batches. All-or-nothing: one bad event rejects the batch with a 400 naming
 * `events[i].field`, so clients never resend what was already taken. Valid batches update the users'
 * profiles and are appended to the interactions stream (training data, joined with the feature log).
 * Only callers with the `events` scope (the app's backend) may write them: events steer what a person
 * is shown and what the ranker learns, so anonymous writes would let anyone rewrite anyone's feed.
 */
export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/events', {
    schema: {
      tags: ['recommendations'],
      summary: 'Record user interaction events (view, like, purchase, search, click); events scope',
      body: Type.Object({ events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_EVENTS }) }, { additionalProperties: false }),
      response: { 202: Type.Object({ accepted: Type.Integer(), unknown_listings: Type.Array(Type.String()) }), 400: Problem, 401: Problem, 403: Problem, 429: Problem, 503: Problem },
    },
    onRequest: app.requireScope('events'),
  }, async (req, reply) => {
    const issues: FieldIssue[] = [];
    const now = Date.now();
    req.body.events.forEach((e, i) => {
      for (const issue of validate.issues(e, 3)) issues.push({ path: `events[${i}].${issue.path}`, message: issue.message });
      if (validate.check(e)) for (const m of interactionEventIssues(e, now)) issues.push({ path: `events[${i}]`, message: m });
    });
    if (issues.length > 0) throw new ValidationError(`invalid events: ${issues.slice(0, 5).map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
    const events = req.body.events as InteractionEvent[];

    const ids = [...new Set(events.flatMap((e) => (e.listing_id ? [e.listing_id] : [])))];
    const facts = new Map<string, ListingFacts>();
    if (ids.length > 0) {
      const res = await esCall('mget', () => app.es.mget<ListingDocument>({ index: app.config.elasticsearch.alias, ids, _source: ['category_path', 'brand', 'price', 'size'] }));
      foundSources(res).forEach((src, i) => {
        if (src?.category_path) facts.set(ids[i]!, src);
      });
    }
    await recordEvents(app.redis, app.config.redis.namespace, events, facts);
    const stream = redisKeys(app.config.redis.namespace).interactions;
    const tx = app.redis.pipeline();
    for (const e of events) tx.xadd(stream, 'MAXLEN', '~', String(app.config.interactionsMaxLen), '*', 'event', JSON.stringify(e));
    await execPipeline(tx);
    reply.status(202);
    return { accepted: events.length, unknown_listings: ids.filter((id) => !facts.has(id)) };
  });
};
