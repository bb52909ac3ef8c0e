import { QueueKeys } from 'bullmq';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, queueNames, redisKeys } from '../src/index.js';

/** Every name redisKeys answers, by path; a key-building function is called with `arg`. */
function flatten(value: unknown, arg: string, path = ''): Record<string, string> {
  if (typeof value === 'string') return { [path]: value };
  if (typeof value === 'function') return flatten((value as (a: string) => unknown)(arg), arg, path);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as object)) Object.assign(out, flatten(v, arg, path ? `${path}.${k}` : k));
  return out;
}

/**
 * The key strings are a storage format: a deployment upgraded to a build with other strings would lose
 * its profiles, neighbours and queue. These are the exact strings the code built before the keys moved
 * into core/src/redis-keys.ts (computed from that code for namespace `mkt` and argument `x1`); a change
 * here needs a data migration, not a test update. A key added without a pin fails the first test.
 */
const PINNED: Record<string, string> = {
  'changes.channel': 'mkt:listing-changes',
  'changes.vectorsChannel': 'mkt:listing-vectors',
  'changes.bulkCounter': 'mkt:index-generation',
  'changes.indexSwaps': 'mkt:index-swaps',
  'changes.writeTargets': 'mkt:x1:extra-write-targets',
  featureLog: 'mkt:feature-log',
  interactions: 'mkt:interactions',
  'neighbours.list': 'mkt:nb:x1',
  contentCandidates: 'mkt:similar-content:x1',
  contentCandidatesCursor: 'mkt:similar-content-cursor',
  contentCandidatesLease: 'mkt:similar-content-lease',
  'neighbours.popularity': 'mkt:nb-pop',
  popularListsLease: 'mkt:popular-lists-lease',
  'neighbours.history': 'mkt:nb-hist:x1',
  'neighbours.gone': 'mkt:nb-gone',
  'neighbours.highWater': 'mkt:nb-hwm',
  'neighbours.lease': 'mkt:nb-lease',
  'profile.affinity': 'mkt:profile:x1:affinity',
  'profile.recent': 'mkt:profile:x1:recent',
  'profile.purchased': 'mkt:profile:x1:purchases',
  'profile.queries': 'mkt:profile:x1:queries',
  'profile.prices': 'mkt:profile:x1:prices',
  'profile.liked': 'mkt:profile:x1:liked',
  'profile.version': 'mkt:profile:x1:v',
  cacheEntry: 'mkt:cache:x1',
  cacheByListing: 'mkt:cache-by-listing:x1',
  cacheLease: 'mkt:cache-lease:x1',
  searchWindow: 'mkt:search-window:x1',
  feed: 'mkt:feed:x1',
  'rateLimit.nameSpace': 'mkt:rate-limit:',
  'rateLimit.forKey': 'key:x1',
  'rateLimit.forAddress': 'ip:x1',
};

describe('redis keys', () => {
  it('builds every key byte for byte as before the move, and nothing unpinned', () => {
    expect(flatten(redisKeys('mkt'), 'x1')).toEqual(PINNED);
  });

  it('puts the namespace first and the argument where it was', () => {
    const k = redisKeys('shop-2');
    expect(k.neighbours.list('l:1')).toBe('shop-2:nb:l:1');
    expect(k.profile('u 7').version).toBe('shop-2:profile:u 7:v');
    expect(k.changes.writeTargets('listing-changes')).toBe('shop-2:listing-changes:extra-write-targets');
    expect(k.rateLimit.nameSpace + k.rateLimit.forAddress('10.0.0.1')).toBe('shop-2:rate-limit:ip:10.0.0.1');
  });

  it('builds the keys of a namespace once, and each namespace its own', () => {
    expect(redisKeys('mkt')).toBe(redisKeys('mkt'));
    expect(redisKeys('shop1').feed('x1')).toBe('shop1:feed:x1');
    expect(redisKeys('mkt').feed('x1')).toBe('mkt:feed:x1');
    expect(Object.isFrozen(redisKeys('mkt'))).toBe(true);
  });

  it('names the BullMQ queues as before, under the default namespace mkt', () => {
    const config = loadConfig({});
    expect(config.redis.namespace).toBe('mkt');
    const names = queueNames(config);
    expect(names).toEqual({ changes: 'listing-changes', deadLetters: 'listing-changes-dlq', prefix: 'mkt' });
    const bull = new QueueKeys(names.prefix);
    expect(bull.toKey(names.changes, 'wait')).toBe('mkt:listing-changes:wait');
    expect(bull.toKey(names.deadLetters, 'wait')).toBe('mkt:listing-changes-dlq:wait');
  });

  it('agrees with the list the KEDA autoscaler watches', () => {
    const manifest = readFileSync(resolve(import.meta.dirname, '../../k8s/components/keda/scaled-object.yaml'), 'utf8');
    const names = queueNames(loadConfig({}));
    expect(manifest).toContain(`listName: ${new QueueKeys(names.prefix).toKey(names.changes, 'wait')}\n`);
  });
});
