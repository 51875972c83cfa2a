// interests.popular across the nodes of a cluster: the same rules as chat/popular.ts, in Redis.
// Per hour bucket: a HyperLogLog of address hashes per name (PFCOUNT over the 24 hourly keys
// gives the distinct addresses of the whole window, so one address over three hours still counts
// once), a sorted set of the hour's names (the candidates), and per address the set of names it
// added (its budget). One Lua script records a find atomically, once per scope: every find under
// `{pop}:<hour>:`, and each language it states under `{pop}:<hour>:l:<language>:` (the same keys
// again), so a language's suggestions are what its speakers typed, by the same rules.
//
// Every key shares the hash tag `{pop}` (one shard of a Redis Cluster): PFCOUNT over 24 hourly
// keys needs them in one slot, and the record script learns the names it touches only from its
// arguments (KEYS[1], the scope's sorted set, routes it). One script per find and scope: the same
// rate as the match queue, on its own shard. Every key gets the window's TTL (EXPIRE) when written.
import { defineScript, type RedisConnections } from './redis'
import { BUCKET_MS, BUCKETS, MAX_NAMES_PER_BUCKET, popularScopes, rankPopular, type PopularInterests } from '../chat/popular'

// ARGV: the scope's keys prefix (…pop:<hour>: or …pop:<hour>:l:<language>:), ip, per-address cap, max names, ttl, names…
const RECORD = `
local P, ip = ARGV[1], ARGV[2]
local cap, maxn, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ak, zk = P .. 'a:' .. ip, P .. 'z'
for i = 6, #ARGV do
  local name = ARGV[i]
  if redis.call('SISMEMBER', ak, name) == 0 then
    if redis.call('SCARD', ak) >= cap then break end
    local room = true
    if not redis.call('ZSCORE', zk, name) and redis.call('ZCARD', zk) >= maxn then
      -- Full: make room only by dropping a name a single address used.
      local low = redis.call('ZRANGE', zk, 0, 0, 'WITHSCORES')
      if low[2] and tonumber(low[2]) <= 1 then redis.call('ZREM', zk, low[1]) else room = false end
    end
    if room then
      redis.call('SADD', ak, name)
      redis.call('EXPIRE', ak, ttl)
      local nk = P .. 'n:' .. name
      redis.call('PFADD', nk, ip)
      redis.call('EXPIRE', nk, ttl)
      redis.call('ZINCRBY', zk, 1, name)
      redis.call('EXPIRE', zk, ttl)
    end
  end
end
return 1
`

/** Candidates read per hour bucket for top(). */
const CANDIDATES = 200
/** top() is asked by every home screen; its answer is reused this long. */
const TOP_CACHE_MS = 5000
/** Cached answers kept (one per language and threshold asked); past it the cache starts over. */
const MAX_CACHED = 256

export function createRedisPopular(
  redis: RedisConnections,
  opts: { prefix: string; perAddressHour: number; now?: () => number; onError?: (err: unknown) => void },
): PopularInterests {
  const now = opts.now ?? Date.now
  const P = `${opts.prefix}{pop}:`
  const record = defineScript(redis.cmd, RECORD)
  const ttl = Math.ceil((BUCKETS * BUCKET_MS) / 1000) + 3600
  const cache = new Map<string, { at: number; list: Array<{ name: string; count: number }> }>()
  const base = (hour: number, language: string) => (language ? `${P}${hour}:l:${language}:` : `${P}${hour}:`)

  async function compute(minCount: number, language: string) {
    const hour = Math.floor(now() / BUCKET_MS)
    const hours = Array.from({ length: BUCKETS }, (_, k) => base(hour - k, language))
    const p = redis.cmd.pipeline()
    for (const h of hours) p.zrevrange(`${h}z`, 0, CANDIDATES - 1)
    const names = new Set<string>()
    for (const [err, list] of (await p.exec()) ?? []) if (!err) for (const n of list as string[]) names.add(n)
    const q = redis.cmd.pipeline()
    const order = [...names]
    for (const n of order) q.pfcount(...hours.map(h => `${h}n:${n}`))
    const counts = (await q.exec()) ?? []
    return rankPopular(
      order.map((n, i) => [n, Number(counts[i]?.[1] ?? 0)] as [string, number]),
      50,
      minCount,
    )
  }

  return {
    record(ipHash, interests, languages) {
      if (!interests.length) return
      const hour = Math.floor(now() / BUCKET_MS)
      for (const scope of popularScopes(languages)) {
        const b = base(hour, scope)
        record([`${b}z`], [b, ipHash, opts.perAddressHour, MAX_NAMES_PER_BUCKET, ttl, ...interests]).catch(err => opts.onError?.(err))
      }
    },
    async top(limit, minCount = 1, language = '') {
      const t = now()
      const key = `${language}|${minCount}`
      let hit = cache.get(key)
      if (!hit || t - hit.at > TOP_CACHE_MS) {
        try {
          const list = await compute(minCount, language)
          if (cache.size >= MAX_CACHED) cache.clear()
          cache.set(key, (hit = { at: t, list }))
        } catch (err) {
          opts.onError?.(err)
          return hit?.list.slice(0, limit) ?? []
        }
      }
      return hit.list.slice(0, limit)
    },
  }
}
