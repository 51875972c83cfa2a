// The MatchQueue port (api/chat/ports/match-queue.ts) over Redis, for several nodes sharing one
// queue. Every decision is one Lua script, so two nodes racing for the same waiter can never both
// win: Redis runs scripts one at a time.
//
// Keys (under `<prefix>{mq}:`, one hash tag: see below):
//   w:<id>             hash per waiter: pool, interests (JSON), random, ready, ip, seq, owner
//   p:<pool>:i:<name>  sorted set per interest and pool: waiting ids scored by arrival order
//   p:<pool>:r         sorted set per pool of random-ready waiters (same scores)
//   seq                the arrival counter (scores come from Redis, not from node clocks, so
//                      "longest waiting" is one order across nodes)
//   all                set of every waiting id (size())
//   o:<owner>          set of the ids one queue instance enqueued (close(), dropOwner())
//   cd:<x>|<y>         cool-down between two session ids or two address hashes, keyed by the
//                      sorted pair; value = until (ms epoch, node clock), PX so it cleans itself
//
// ENQUEUE atomically either takes the best partner or adds the waiter; ATTEMPT (run by the node
// that enqueued, from its timers) marks a waiter random-ready and/or tries again once a cool-down
// that blocked it has ended. Both look at no more than `scanLimit` candidates per sorted set (64 by
// default), so one script never runs long however many wait. Both return the partner, the common
// interests, whether the pair is random, and the earliest end of a cool-down that blocked the
// waiter (the node schedules a retry for then).
//
// Timers live on the node that enqueued: the random fallback and cool-down retries. A timer for a
// waiter that another node already paired finds it gone (or re-enqueued: the seq differs) and does
// nothing.
//
// On a Redis Cluster the whole queue is ONE hash tag (`{mq}`), so it lives on one shard: a script
// looks at candidates it only learns inside Lua (another waiter's hash, an interest's set), which
// cannot be declared in KEYS in advance, and every key sharing the tag keeps them in the script's
// slot. KEYS[1] (the `all` set) is passed so the client routes each script to that shard. This is
// the cluster's one hot key range: every find and every fallback runs there (docs/cluster.md gives
// the figures and what to do past them: a queue per pool or per region, each its own tag).
// The TTL floor: what a waiter leaves is refreshed with QUEUE_KEY_TTL_S after each script that
// wrote it (touch), so an entry a crashed node never removed dies by itself.
import { randomBytes } from 'node:crypto'
import type { Match, MatchEvents, MatchQueue, WaiterSpec } from '../chat/ports/match-queue'
import { defineScript, type RedisConnections } from './redis'

export interface RedisMatchQueueOptions {
  /** Key prefix, normally `${REDIS_PREFIX}`; the queue's keys go under `${prefix}mq:`. */
  prefix: string
  fallbackMs: number
  events: MatchEvents
  now?: () => number
  /** Names this instance's waiters (default: random); a node id lets peers drop a dead node's. */
  owner?: string
  /** Candidates looked at per sorted set in one script (default 64). */
  scanLimit?: number
  /** Redis failures inside timers (a retry is scheduled); calls made by the caller reject instead. */
  onError?: (err: unknown) => void
}

export interface RedisMatchQueue extends MatchQueue {
  readonly owner: string
  /** Removes every waiter a (dead) queue instance enqueued; returns how many. */
  dropOwner(owner: string): Promise<number>
  /** The port's close, synchronous: stops timers and starts dropping this instance's waiters
   *  (a Redis failure goes to `onError`; the entries die with their heartbeat anyway). */
  close(): void
  /** close() that resolves once Redis has dropped this instance's waiters; never rejects (failure → `onError`). */
  shutdown(): Promise<void>
}

const COMMON = `
local P = ARGV[1]
local now = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local function wkey(id) return P .. 'w:' .. id end
local function ikey(pool, i) return P .. 'p:' .. pool .. ':i:' .. i end
local function rkey(pool) return P .. 'p:' .. pool .. ':r' end
local function okey(owner) return P .. 'o:' .. owner end
local ALL = P .. 'all'
local function cdkey(x, y)
  if x < y then return P .. 'cd:' .. x .. '|' .. y end
  return P .. 'cd:' .. y .. '|' .. x
end

local blocked = 0
local function cooled(x, y)
  if x == '' or y == '' then return false end
  local v = redis.call('GET', cdkey(x, y))
  if not v then return false end
  local u = tonumber(v)
  if u == nil or u <= now then return false end
  if blocked == 0 or u < blocked then blocked = u end
  return true
end

local function eligible(w, cid)
  if cid == w.id then return false end
  if cooled(w.id, cid) then return false end
  local cip = redis.call('HGET', wkey(cid), 'ip')
  if not cip then return false end
  -- Address cool-downs are keyed 'ip:<hash>', as in chat/local-match-queue.ts (blocks use them).
  if w.ip == '' or cip == '' then return true end
  return not cooled('ip:' .. w.ip, 'ip:' .. cip)
end

-- Rule 1: the longest-waiting eligible stranger sharing an interest (the first eligible entry of
-- each interest's set is its longest waiting); rule 2: else, when w is random-ready, the
-- longest-waiting eligible random-ready stranger.
local function find(w)
  local best, bestScore = nil, nil
  for _, i in ipairs(w.interests) do
    local ids = redis.call('ZRANGE', ikey(w.pool, i), 0, limit - 1, 'WITHSCORES')
    for k = 1, #ids, 2 do
      if eligible(w, ids[k]) then
        local s = tonumber(ids[k + 1])
        if best == nil or s < bestScore then best, bestScore = ids[k], s end
        break
      end
    end
  end
  if best ~= nil then return best end
  if w.ready then
    local ids = redis.call('ZRANGE', rkey(w.pool), 0, limit - 1)
    for _, cid in ipairs(ids) do
      if eligible(w, cid) then return cid end
    end
  end
  return nil
end

local function drop(id)
  local h = redis.call('HMGET', wkey(id), 'pool', 'interests', 'owner')
  if not h[1] then return false end
  for _, i in ipairs(cjson.decode(h[2])) do redis.call('ZREM', ikey(h[1], i), id) end
  redis.call('ZREM', rkey(h[1]), id)
  redis.call('SREM', ALL, id)
  if h[3] then redis.call('SREM', okey(h[3]), id) end
  redis.call('DEL', wkey(id))
  return true
end

-- Pairs w with the waiting candidate cid. The side that arrived first is 'a', and the common
-- interests follow its order. Reply: {1, a, b, random (0/1), a's ip hash, b's ip hash, common...}.
local function pairUp(w, cid)
  local ch = redis.call('HMGET', wkey(cid), 'interests', 'seq', 'ip')
  local c = { id = cid, interests = cjson.decode(ch[1]), seq = tonumber(ch[2]), ip = ch[3] or '' }
  drop(cid)
  if w.seq ~= nil then drop(w.id) end
  local a, b = c, w
  if w.seq ~= nil and w.seq < c.seq then a, b = w, c end
  local other = {}
  for _, i in ipairs(b.interests) do other[i] = true end
  local reply = { 1, a.id, b.id, 0, a.ip or '', b.ip or '' }
  for _, i in ipairs(a.interests) do
    if other[i] then reply[#reply + 1] = i end
  end
  if #reply == 6 then reply[4] = 1 end
  return reply
end
`

// ARGV: prefix, now, limit, id, pool, interests JSON, random, ready, ip, owner.
// Reply: a pair (see pairUp), or {0, blockedUntil, seq} when w now waits.
const ENQUEUE = `${COMMON}
local id, pool, interestsJson, random, ready, ip, owner = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
drop(id)
local w = { id = id, pool = pool, interests = cjson.decode(interestsJson), ready = (ready == '1'), ip = ip, seq = nil }
local cid = find(w)
if cid ~= nil then return pairUp(w, cid) end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', wkey(id), 'pool', pool, 'interests', interestsJson, 'random', random, 'ready', ready, 'ip', ip, 'seq', seq, 'owner', owner)
for _, i in ipairs(w.interests) do redis.call('ZADD', ikey(pool, i), seq, id) end
if w.ready then redis.call('ZADD', rkey(pool), seq, id) end
redis.call('SADD', ALL, id)
redis.call('SADD', okey(owner), id)
return { 0, blocked, seq }
`

// ARGV: prefix, now, limit, id, seq, markReady. Reply: a pair, {0, blockedUntil, seq} when it still
// waits, or {-1} when that entry is gone (paired elsewhere, removed, or enqueued again).
const ATTEMPT = `${COMMON}
local id, seqArg, markReady = ARGV[4], ARGV[5], ARGV[6]
local h = redis.call('HMGET', wkey(id), 'pool', 'interests', 'random', 'ready', 'ip', 'seq')
if not h[1] or h[6] ~= seqArg then return { -1 } end
local w = { id = id, pool = h[1], interests = cjson.decode(h[2]), ready = (h[4] == '1'), ip = h[5], seq = tonumber(h[6]) }
if markReady == '1' and h[3] == '1' and not w.ready then
  w.ready = true
  redis.call('HSET', wkey(id), 'ready', '1')
  redis.call('ZADD', rkey(w.pool), w.seq, id)
end
local cid = find(w)
if cid ~= nil then return pairUp(w, cid) end
return { 0, blocked, w.seq }
`

// ARGV: prefix, now, limit, id. Reply: 1 when it was waiting.
const REMOVE = `${COMMON}
if drop(ARGV[4]) then return 1 end
return 0
`

// ARGV: prefix, now, limit, owner. Reply: how many were dropped.
const DROP_OWNER = `${COMMON}
local ids = redis.call('SMEMBERS', okey(ARGV[4]))
local n = 0
for _, id in ipairs(ids) do
  if drop(id) then n = n + 1 end
end
redis.call('DEL', okey(ARGV[4]))
return n
`

// ARGV: prefix, now, limit, x, y, until. Never shortens a longer cool-down already there.
const COOLDOWN = `${COMMON}
local k = cdkey(ARGV[4], ARGV[5])
local untilMs = tonumber(ARGV[6])
local v = tonumber(redis.call('GET', k) or '0') or 0
if v >= untilMs then return 0 end
redis.call('SET', k, ARGV[6], 'PX', math.max(1, untilMs - now))
return 1
`

type Reply = Array<string | number>

interface Local {
  seq: number
  enqueuedAt: number
  random: boolean
  ready: boolean
  timer: ReturnType<typeof setTimeout> | null
}

const RETRY_AFTER_ERROR_MS = 1000
/** Far longer than anyone waits; bounds what a lost removal leaves behind. */
const QUEUE_KEY_TTL_S = 24 * 3600

export function createRedisMatchQueue(redis: RedisConnections, opts: RedisMatchQueueOptions): RedisMatchQueue {
  const P = `${opts.prefix}{mq}:`
  /** The key that routes every script to the queue's shard (all its keys share its hash tag). */
  const KEYS = [`${P}all`]
  const now = opts.now ?? Date.now
  const limit = opts.scanLimit ?? 64
  const owner = opts.owner ?? randomBytes(6).toString('hex')
  const onError = opts.onError ?? (() => {})
  const { events, fallbackMs } = opts
  const scripts = {
    enqueue: defineScript(redis.cmd, ENQUEUE),
    attempt: defineScript(redis.cmd, ATTEMPT),
    remove: defineScript(redis.cmd, REMOVE),
    dropOwner: defineScript(redis.cmd, DROP_OWNER),
    cooldown: defineScript(redis.cmd, COOLDOWN),
  }
  const base = () => [P, now(), limit]
  /** The TTL floor of what a waiter's script wrote (one shard: a pipeline). */
  function touch(id: string, pool: string, interests: readonly string[]) {
    const p = redis.cmd.pipeline()
    for (const key of [`${P}w:${id}`, `${P}seq`, `${P}all`, `${P}o:${owner}`, `${P}p:${pool}:r`, ...interests.map(i => `${P}p:${pool}:i:${i}`)]) p.expire(key, QUEUE_KEY_TTL_S)
    p.exec().catch(onError)
  }
  // Only waiters with a pending timer are remembered here; the queue itself lives in Redis.
  const local = new Map<string, Local>()
  let closed = false

  function forget(id: string) {
    const l = local.get(id)
    if (l?.timer) clearTimeout(l.timer)
    local.delete(id)
  }

  /** A pair reply → onMatch; a waiting reply → the next timer. */
  function settle(id: string, reply: Reply, l: Omit<Local, 'seq' | 'timer'>): 'paired' | 'waiting' | 'gone' {
    if (reply[0] === -1) {
      forget(id)
      return 'gone'
    }
    if (reply[0] === 1) {
      const [, a, b, random, aIpHash, bIpHash, ...common] = reply as [number, string, string, number, string, string, ...string[]]
      forget(a)
      forget(b)
      events.onMatch({ a, b, aIpHash, bIpHash, common, random: random === 1 } satisfies Match)
      return 'paired'
    }
    const blockedUntil = Number(reply[1])
    const seq = Number(reply[2])
    const t = now()
    let at = Infinity
    if (l.random && !l.ready) at = l.enqueuedAt + fallbackMs
    if (blockedUntil > t) at = Math.min(at, blockedUntil + 1)
    forget(id)
    if (at !== Infinity && !closed) {
      const entry: Local = { ...l, seq, timer: null }
      entry.timer = setTimeout(() => void wake(id, entry), Math.max(0, at - t))
      local.set(id, entry)
    }
    return 'waiting'
  }

  async function wake(id: string, l: Local) {
    l.timer = null
    if (local.get(id) !== l || closed) return
    const becameReady = l.random && !l.ready && now() >= l.enqueuedAt + fallbackMs
    let reply: Reply
    try {
      reply = (await scripts.attempt(KEYS, [...base(), id, l.seq, becameReady ? 1 : 0])) as Reply
    } catch (err) {
      onError(err)
      // Try again soon: a Redis outage must not cost a waiter its fallback for good.
      if (local.get(id) === l && !closed) l.timer = setTimeout(() => void wake(id, l), RETRY_AFTER_ERROR_MS)
      return
    }
    if (local.get(id) !== l) return // enqueued again or removed meanwhile
    const ready = l.ready || becameReady
    const outcome = settle(id, reply, { enqueuedAt: l.enqueuedAt, random: l.random, ready })
    // Only worth telling the client when the fallback did not pair it straight away.
    if (becameReady && outcome === 'waiting') events.onFallback?.(id)
  }

  async function shutdown() {
    closed = true
    for (const id of [...local.keys()]) forget(id)
    try {
      await scripts.dropOwner(KEYS, [...base(), owner])
    } catch (err) {
      onError(err)
    }
  }

  return {
    owner,
    async enqueue(w: WaiterSpec) {
      forget(w.id)
      const ready = w.random && (w.interests.length === 0 || fallbackMs === 0)
      const enqueuedAt = now()
      const reply = (await scripts.enqueue(KEYS, [...base(), w.id, w.pool ?? 'main', JSON.stringify([...w.interests]), w.random ? 1 : 0, ready ? 1 : 0, w.ipHash, owner])) as Reply
      touch(w.id, w.pool ?? 'main', w.interests)
      settle(w.id, reply, { enqueuedAt, random: w.random, ready })
    },
    async remove(id) {
      forget(id)
      return (await scripts.remove(KEYS, [...base(), id])) === 1
    },
    async cooldown(a, b, untilMs) {
      await scripts.cooldown(KEYS, [...base(), a, b, untilMs])
    },
    size: () => redis.cmd.scard(`${P}all`),
    async dropOwner(o) {
      return Number(await scripts.dropOwner(KEYS, [...base(), o]))
    },
    shutdown,
    close: () => void shutdown(),
  }
}
