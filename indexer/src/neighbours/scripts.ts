import { NEIGHBOUR_KEY_NAMES as NB } from '../../../core/src/index.js';

/**
 * Lua run inside Redis by the neighbour job. Hand-written because the point is atomicity: a batch of
 * stream entries is applied and the high-water mark advanced in one script, so a crash leaves either
 * the whole batch applied with the mark past it, or nothing; a restart then re-reads from the mark and
 * skips whatever is at or below it. No library does "apply a co-occurrence batch exactly once".
 *
 * Keys are derived inside the script from the namespace (single Redis instance; on Redis Cluster the
 * namespace would need a hash tag so every key shares a slot).
 */

/** Shared helpers: key names (built from core/src/redis-keys.ts's names, as redisKeys does) and stream-id order. */
const HELPERS = `
local p = ARGV[1]
local function nbKey(id) return p .. ':${NB.list}:' .. id end
local popKey, goneKey, hwmKey = p .. ':${NB.popularity}', p .. ':${NB.gone}', p .. ':${NB.highWater}'
local function parseId(s)
  local ms, seq = string.match(s, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function after(a, b)
  local am, as = parseId(a)
  local bm, bs = parseId(b)
  return am > bm or (am == bm and as > bs)
end
`;

/**
 * ARGV: namespace, last stream id of the batch, decay factor now, beta, kept, history length,
 * history TTL, neighbours TTL, then per event: stream id, user, listing, weight (already forward-decayed).
 * For each event past the mark: pair the listing with the user's recent history (weight / history
 * length: RP3beta's 1/deg(user)), add to both neighbour lists divided by the other's popularity^beta,
 * count its popularity, push it on the history. Returns the number of events applied.
 */
export const APPLY_BATCH = `${HELPERS}
local lastId, fNow, beta = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local kept, histLen, histTtl, nbTtl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local hwm = redis.call('GET', hwmKey) or '0-0'
local touched, applied = {}, 0
-- Per-batch memo of each listing's popularity^beta and gone flag: a listing recurs in many pairs of a
-- batch, and each ZSCORE is a call (the script's cost is mostly calls, about 40 per event).
local norm, gone = {}, {}
local function isGone(id)
  if gone[id] == nil then gone[id] = redis.call('ZSCORE', goneKey, id) and true or false end
  return gone[id]
end
local function popNorm(id)
  if norm[id] == nil then
    local v = (tonumber(redis.call('ZSCORE', popKey, id) or 0)) / fNow
    norm[id] = math.pow(math.max(1, v), beta)
  end
  return norm[id]
end
for i = 9, #ARGV, 4 do
  local sid, user, item, w = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  if after(sid, hwm) and not isGone(item) then
    applied = applied + 1
    local popped = tonumber(redis.call('ZINCRBY', popKey, w, item)) / fNow
    norm[item] = math.pow(math.max(1, popped), beta)
    local histKey = p .. ':${NB.history}:' .. user
    local hist = redis.call('LRANGE', histKey, 0, histLen - 1)
    local n = 0
    for _, j in ipairs(hist) do if j ~= item then n = n + 1 end end
    if n > 0 then
      local c = w / n
      local bi = norm[item]
      for _, j in ipairs(hist) do
        if j ~= item and not isGone(j) then
          redis.call('ZINCRBY', nbKey(item), c / popNorm(j), j)
          redis.call('ZINCRBY', nbKey(j), c / bi, item)
          if touched[j] == nil then touched[j] = false end
        end
      end
      touched[item] = true
    end
    redis.call('LREM', histKey, 0, item)
    redis.call('LPUSH', histKey, item)
    redis.call('LTRIM', histKey, 0, histLen - 1)
    redis.call('EXPIRE', histKey, histTtl)
  end
end
-- touched[id] is true for an event's own listing, false for a history listing that only gained a
-- member: a list's TTL runs from its listing's last own engagement (half the calls of refreshing all).
for id, own in pairs(touched) do
  local k = nbKey(id)
  local card = redis.call('ZCARD', k)
  if card > 2 * kept then redis.call('ZREMRANGEBYRANK', k, 0, card - kept - 1) end
  if own then redis.call('EXPIRE', k, nbTtl) end
end
if after(lastId, hwm) then redis.call('SET', hwmKey, lastId) end
return applied
`;

/**
 * ARGV: namespace, now (ms), how long a gone listing is remembered (ms), then listing ids.
 * Removes each listing from the lists of its neighbours (co-engagement is symmetric, so its own list
 * names them; a list that dropped it in a trim while keeping it elsewhere is the rare miss, and every
 * reader also filters on sale), deletes its own list and popularity, and remembers it as gone so a
 * late event does not bring it back. Returns the number of lists it was removed from.
 */
export const FORGET = `${HELPERS}
local now, remember = tonumber(ARGV[2]), tonumber(ARGV[3])
local removed = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  for _, j in ipairs(redis.call('ZRANGE', nbKey(id), 0, -1)) do
    removed = removed + redis.call('ZREM', nbKey(j), id)
  end
  redis.call('DEL', nbKey(id))
  redis.call('ZREM', popKey, id)
  redis.call('ZADD', goneKey, now, id)
end
redis.call('ZREMRANGEBYSCORE', goneKey, '-inf', now - remember)
return removed
`;
