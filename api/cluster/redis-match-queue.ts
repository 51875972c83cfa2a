// The MatchQueue port (api/chat/ports/match-queue.ts) over Redis, for several nodes sharing one
// queue. Every decision is one Lua script, so two nodes racing for the same waiter can never both
// win: Redis runs scripts one at a time.
//
// Keys (under `<prefix>{mq}:`, one hash tag: see below):
//   w:<id>             hash per waiter: pool, interests (JSON), random, ready, ip, seq, owner,
//                      langs (JSON), anyl (anyLanguage), free (its language rule dropped)
//                      (a video finder's pool is `<pool>|video`, so it meets only video finders:
//                      rule 4 of the port, kept by the pool name alone, no script change)
//   p:<pool>:i:<name>  sorted set per interest and pool: waiting ids scored by arrival order
//   p:<pool>:r         sorted set per pool of random-ready waiters (same scores)
//   p:<pool>:ra        sorted set per pool of every waiter allowing random (same scores)
//   p:<pool>:n         sorted set per pool of waiters with no interests allowing random
//   p:<pool>:l:<lang>:…  the same four kinds again per language a waiter states (lang '' for those
//                      who state none): a waiter scans its languages' sets, so the scan limit
//                      never hides a partner behind many of other languages
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
-- A pool's sorted sets come in families: everyone's (lang nil), and one per language (lang '' for
-- the waiters who state none), so a waiter finds its languages' candidates within the scan limit
-- however many of other languages wait ahead of them. Pools are set by the server (never user
-- text) and subtags are letters, so a family's keys never collide with an interest's name.
local function fam(pool, lang)
  if lang == nil then return P .. 'p:' .. pool .. ':' end
  return P .. 'p:' .. pool .. ':l:' .. lang .. ':'
end
-- The keys a waiter is indexed under for one kind ('i:<interest>', 'r', 'ra', 'n').
local function indexKeys(pool, kind, langs)
  local out = { fam(pool) .. kind }
  if #langs == 0 then out[2] = fam(pool, '') .. kind end
  for _, l in ipairs(langs) do out[#out + 1] = fam(pool, l) .. kind end
  return out
end
local function zaddAll(pool, kind, langs, seq, id)
  for _, k in ipairs(indexKeys(pool, kind, langs)) do redis.call('ZADD', k, seq, id) end
end
local function zremAll(pool, kind, langs, id)
  for _, k in ipairs(indexKeys(pool, kind, langs)) do redis.call('ZREM', k, id) end
end
-- Where w looks for one kind: within its languages (and among those who state none), or, when it
-- states none or looks across languages, everyone's set.
local function lookIn(pool, kind, w, across)
  if across or #w.langs == 0 then return { fam(pool) .. kind } end
  local out = { fam(pool, '') .. kind }
  for _, l in ipairs(w.langs) do out[#out + 1] = fam(pool, l) .. kind end
  return out
end
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

-- The language rule (port rule 7), the only place it is decided: both state languages -> they
-- share one, unless 'across' (the second pass of a waiter whose rule was dropped) and the
-- candidate's rule is dropped too. langs are JSON arrays of subtags, free is '1' or '0'.
local function languagesMeet(w, clangs, cfree, across)
  if #w.langs == 0 then return true end
  local cl = cjson.decode(clangs or '[]')
  if #cl == 0 then return true end
  for _, l in ipairs(w.langs) do
    for _, m in ipairs(cl) do
      if l == m then return true end
    end
  end
  return across and w.free and cfree == '1'
end

local function eligible(w, cid, across)
  if cid == w.id then return false end
  local c = redis.call('HMGET', wkey(cid), 'ip', 'langs', 'free')
  if not c[1] then return false end
  if not languagesMeet(w, c[2], c[3], across) then return false end
  if cooled(w.id, cid) then return false end
  -- Address cool-downs are keyed 'ip:<hash>', as in chat/local-match-queue.ts (blocks use them).
  if w.ip == '' or c[1] == '' then return true end
  return not cooled('ip:' .. w.ip, 'ip:' .. c[1])
end

-- Rule 1: the longest-waiting eligible stranger sharing an interest (the first eligible entry of
-- each interest's set is its longest waiting); rule 2: else, if w allows random, the
-- longest-waiting eligible stranger of: everyone allowing random (w has no interests), the
-- random-ready (w is random-ready), or those with no interests (w has interests, not yet ready).
local function findIn(w, across)
  local best, bestScore = nil, nil
  local function scan(kind)
    for _, key in ipairs(lookIn(w.pool, kind, w, across)) do
      local ids = redis.call('ZRANGE', key, 0, limit - 1, 'WITHSCORES')
      for k = 1, #ids, 2 do
        if eligible(w, ids[k], across) then
          local s = tonumber(ids[k + 1])
          if best == nil or s < bestScore then best, bestScore = ids[k], s end
          break
        end
      end
    end
  end
  for _, i in ipairs(w.interests) do scan('i:' .. i) end
  if best ~= nil then return best end
  if w.random then
    if #w.interests == 0 then scan('ra') elseif w.ready then scan('r') else scan('n') end
  end
  return best
end

-- Within a shared language first; across languages only once w's language rule is dropped.
local function find(w)
  local cid = findIn(w, false)
  if cid == nil and w.free then cid = findIn(w, true) end
  return cid
end

local function drop(id)
  local h = redis.call('HMGET', wkey(id), 'pool', 'interests', 'owner', 'langs')
  if not h[1] then return false end
  local langs = cjson.decode(h[4] or '[]')
  for _, i in ipairs(cjson.decode(h[2])) do zremAll(h[1], 'i:' .. i, langs, id) end
  for _, kind in ipairs({ 'r', 'ra', 'n' }) do zremAll(h[1], kind, langs, id) end
  redis.call('SREM', ALL, id)
  if h[3] then redis.call('SREM', okey(h[3]), id) end
  redis.call('DEL', wkey(id))
  return true
end

-- Pairs w with the waiting candidate cid. The side that arrived first is 'a', and the common
-- interests and languages follow its order. Reply: {1, a, b, random (0/1), a's ip hash, b's ip
-- hash, shared languages (JSON), common...}.
local function pairUp(w, cid)
  local ch = redis.call('HMGET', wkey(cid), 'interests', 'seq', 'ip', 'langs')
  local c = { id = cid, interests = cjson.decode(ch[1]), seq = tonumber(ch[2]), ip = ch[3] or '', langs = cjson.decode(ch[4] or '[]') }
  drop(cid)
  if w.seq ~= nil then drop(w.id) end
  local a, b = c, w
  if w.seq ~= nil and w.seq < c.seq then a, b = w, c end
  local other = {}
  for _, i in ipairs(b.interests) do other[i] = true end
  local blangs = {}
  for _, l in ipairs(b.langs) do blangs[l] = true end
  local shared = {}
  for _, l in ipairs(a.langs) do
    if blangs[l] then shared[#shared + 1] = l end
  end
  -- cjson writes an empty table as {}; the node reads '' as no languages.
  local sharedJson = ''
  if #shared > 0 then sharedJson = cjson.encode(shared) end
  local reply = { 1, a.id, b.id, 0, a.ip or '', b.ip or '', sharedJson }
  for _, i in ipairs(a.interests) do
    if other[i] then reply[#reply + 1] = i end
  end
  if #reply == 7 then reply[4] = 1 end
  return reply
end
`

// ARGV: prefix, now, limit, id, pool, interests JSON, random, ready, ip, owner, languages JSON,
// anyLanguage, free. Reply: a pair (see pairUp), or {0, blockedUntil, seq} when w now waits.
const ENQUEUE = `${COMMON}
local id, pool, interestsJson, random, ready, ip, owner = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local langsJson, anyl, free = ARGV[11], ARGV[12], ARGV[13]
drop(id)
local w = { id = id, pool = pool, interests = cjson.decode(interestsJson), random = (random == '1'), ready = (ready == '1'), ip = ip, seq = nil,
  langs = cjson.decode(langsJson), free = (free == '1') }
local cid = find(w)
if cid ~= nil then return pairUp(w, cid) end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', wkey(id), 'pool', pool, 'interests', interestsJson, 'random', random, 'ready', ready, 'ip', ip, 'seq', seq, 'owner', owner,
  'langs', langsJson, 'anyl', anyl, 'free', free)
for _, i in ipairs(w.interests) do zaddAll(pool, 'i:' .. i, w.langs, seq, id) end
if w.ready then zaddAll(pool, 'r', w.langs, seq, id) end
if w.random then zaddAll(pool, 'ra', w.langs, seq, id) end
if w.random and #w.interests == 0 then zaddAll(pool, 'n', w.langs, seq, id) end
redis.call('SADD', ALL, id)
redis.call('SADD', okey(owner), id)
return { 0, blocked, seq }
`

// ARGV: prefix, now, limit, id, seq, fallbackPassed. Reply: a pair, {0, blockedUntil, seq} when it
// still waits, or {-1} when that entry is gone (paired elsewhere, removed, or enqueued again).
// fallbackPassed marks w random-ready (if it allows random) and drops its language rule (if anyLanguage).
const ATTEMPT = `${COMMON}
local id, seqArg, passed = ARGV[4], ARGV[5], ARGV[6]
local h = redis.call('HMGET', wkey(id), 'pool', 'interests', 'random', 'ready', 'ip', 'seq', 'langs', 'anyl', 'free')
if not h[1] or h[6] ~= seqArg then return { -1 } end
local w = { id = id, pool = h[1], interests = cjson.decode(h[2]), random = (h[3] == '1'), ready = (h[4] == '1'), ip = h[5], seq = tonumber(h[6]),
  langs = cjson.decode(h[7] or '[]'), free = (h[9] == '1') }
if passed == '1' and w.random and not w.ready then
  w.ready = true
  redis.call('HSET', wkey(id), 'ready', '1')
  zaddAll(w.pool, 'r', w.langs, w.seq, id)
end
if passed == '1' and h[8] == '1' and not w.free then
  w.free = true
  redis.call('HSET', wkey(id), 'free', '1')
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
  /** A video finder's entry: its pairs are video chats. */
  video: boolean
  seq: number
  enqueuedAt: number
  random: boolean
  ready: boolean
  anyLanguage: boolean
  /** anyLanguage and the fallback delay passed (the language rule is dropped). */
  free: boolean
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
  function touch(id: string, pool: string, interests: readonly string[], languages: readonly string[]) {
    // The families the scripts index a waiter under (COMMON's indexKeys): everyone's, and its
    // languages' (or the no-language family's when it states none).
    const fams = [`${P}p:${pool}:`, ...(languages.length ? languages.map(l => `${P}p:${pool}:l:${l}:`) : [`${P}p:${pool}:l::`])]
    const kinds = ['r', 'ra', 'n', ...interests.map(i => `i:${i}`)]
    const p = redis.cmd.pipeline()
    for (const key of [`${P}w:${id}`, `${P}seq`, `${P}all`, `${P}o:${owner}`, ...fams.flatMap(f => kinds.map(kind => f + kind))]) p.expire(key, QUEUE_KEY_TTL_S)
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
      const [, a, b, random, aIpHash, bIpHash, shared, ...common] = reply as [number, string, string, number, string, string, string, ...string[]]
      forget(a)
      forget(b)
      const languages = shared ? (JSON.parse(shared) as string[]) : []
      events.onMatch({ a, b, aIpHash, bIpHash, common, random: random === 1, languages, ...(l.video && { video: true as const }) } satisfies Match)
      return 'paired'
    }
    const blockedUntil = Number(reply[1])
    const seq = Number(reply[2])
    const t = now()
    let at = Infinity
    if ((l.random && !l.ready) || (l.anyLanguage && !l.free)) at = l.enqueuedAt + fallbackMs
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
    const passed = now() >= l.enqueuedAt + fallbackMs
    const becameReady = passed && l.random && !l.ready
    const becameFree = passed && l.anyLanguage && !l.free
    let reply: Reply
    try {
      reply = (await scripts.attempt(KEYS, [...base(), id, l.seq, becameReady || becameFree ? 1 : 0])) as Reply
    } catch (err) {
      onError(err)
      // Try again soon: a Redis outage must not cost a waiter its fallback for good.
      if (local.get(id) === l && !closed) l.timer = setTimeout(() => void wake(id, l), RETRY_AFTER_ERROR_MS)
      return
    }
    if (local.get(id) !== l) return // enqueued again or removed meanwhile
    const outcome = settle(id, reply, {
      enqueuedAt: l.enqueuedAt,
      random: l.random,
      ready: l.ready || becameReady,
      anyLanguage: l.anyLanguage,
      free: l.free || becameFree,
      video: l.video,
    })
    // Only worth telling the client when the fallback did not pair it straight away.
    if ((becameReady || becameFree) && outcome === 'waiting') events.onFallback?.(id)
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
      const anyLanguage = w.anyLanguage === true
      const free = anyLanguage && fallbackMs === 0
      const enqueuedAt = now()
      const langs = JSON.stringify([...(w.languages ?? [])])
      const video = w.video === true
      const pool = `${w.pool ?? 'main'}${video ? '|video' : ''}`
      const reply = (await scripts.enqueue(KEYS, [
        ...base(),
        w.id,
        pool,
        JSON.stringify([...w.interests]),
        w.random ? 1 : 0,
        ready ? 1 : 0,
        w.ipHash,
        owner,
        langs,
        anyLanguage ? 1 : 0,
        free ? 1 : 0,
      ])) as Reply
      touch(w.id, pool, w.interests, w.languages ?? [])
      settle(w.id, reply, { enqueuedAt, random: w.random, ready, anyLanguage, free, video })
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
