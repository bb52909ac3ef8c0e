import { describe, expect, it } from 'vitest';
import { APPLY_BATCH, FORGET } from '../src/neighbours/scripts.js';

describe('neighbour job scripts', () => {
  // The scripts build their keys in Lua from the namespace (ARGV[1]); these lines must give the strings
  // redisKeys(ns).neighbours gives (pinned in core/test/redis-keys.test.ts), or the job and the API
  // would read and write different keys.
  it('build the neighbour keys in Lua exactly as core/src/redis-keys.ts does', () => {
    for (const script of [APPLY_BATCH, FORGET]) {
      expect(script).toContain("local function nbKey(id) return p .. ':nb:' .. id end");
      expect(script).toContain("local popKey, goneKey, hwmKey = p .. ':nb-pop', p .. ':nb-gone', p .. ':nb-hwm'");
    }
    expect(APPLY_BATCH).toContain("local histKey = p .. ':nb-hist:' .. user");
  });
});
