import type { FastifyInstance } from 'fastify';
import {
  compileValidator,
  InteractionEvent,
  interactionEventIssues,
  redisKeys,
  ValidationError,
  type FieldIssue,
} from '../../../core/src/index.js';
import { execPipeline } from '../../../core/src/redis-pipeline.js';
import { recordEvents, type ListingFacts } from '../profiles/profile-store.js';

const validate = compileValidator(InteractionEvent);

/**
 * A batch of raw events as InteractionEvents, or one 400 naming every bad `events[i].field` (the
 * first five in the message): all-or-nothing, so clients never resend what was already taken.
 */
export function parseEvents(raw: unknown[], now: number): InteractionEvent[] {
  const issues: FieldIssue[] = [];
  raw.forEach((e, i) => {
    for (const issue of validate.issues(e, 3)) {
      issues.push({ path: `events[${i}].${issue.path}`, message: issue.message });
    }
    if (validate.check(e)) {
      for (const m of interactionEventIssues(e, now)) issues.push({ path: `events[${i}]`, message: m });
    }
  });
  if (issues.length > 0) {
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path} ${i.message}`)
      .join('; ');
    throw new ValidationError(`invalid events: ${summary}`, issues);
  }
  return raw as InteractionEvent[];
}

/**
 * Records user interactions: each event updates its user's profile (with the facts of the listing it
 * names, read from the index) and is appended to the capped interactions stream (training data,
 * joined with the feature log).
 */
export class EventService {
  constructor(private readonly app: FastifyInstance) {}

  /** Records valid events; answers the listing ids no listing was found for (counted as views only). */
  async record(events: InteractionEvent[]): Promise<{ accepted: number; unknown_listings: string[] }> {
    const { redis, config } = this.app;
    const ids = [...new Set(events.flatMap((e) => (e.listing_id ? [e.listing_id] : [])))];
    const facts = await this.listingFacts(ids);
    await recordEvents(redis, config.redis.namespace, events, facts, config.feedViews);
    const stream = redisKeys(config.redis.namespace).interactions;
    const tx = redis.pipeline();
    const maxLen = String(config.interactionsMaxLen);
    for (const e of events) tx.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'event', JSON.stringify(e));
    await execPipeline(tx);
    return { accepted: events.length, unknown_listings: ids.filter((id) => !facts.has(id)) };
  }

  /**
   * What profiles need of each listing, by id; a listing not found (or without a category) is left out.
   * A view comes with its listing page, whose similar list has just read the listing (recentListings).
   */
  private async listingFacts(ids: string[]): Promise<Map<string, ListingFacts>> {
    const facts = new Map<string, ListingFacts>();
    if (ids.length === 0) return facts;
    const docs = await this.app.recentListings.read(ids);
    docs.forEach((src, i) => {
      if (src?.category_path) facts.set(ids[i]!, src);
    });
    return facts;
  }
}
