// interests.popular across the nodes of a cluster: the same rules as chat/popular.ts, in Redis.
// Per hour bucket: a HyperLogLog of address hashes per name (PFCOUNT over the 24 hourly keys
// gives the distinct addresses of the whole window, so one address over three hours still counts
// once), a sorted set of the hour's names (the candidates), and per address the set of names it
// added (its budget). One Lua script records a find atomically.
//
// Every key shares the hash tag `{pop}` (one shard of a Redis Cluster): PFCOUNT over 24 hourly
// keys needs them in one slot, and the record script learns the names it touches only from its
// arguments (KEYS[1], the hour's sorted set, routes it). One script per find: the same rate as the
// match queue, on its own shard. Every key gets the window's TTL (EXPIRE) when written.
import { defineScript, type RedisConnections } from './redis'
import { BUCKET_MS, BUCKETS, MAX_NAMES_PER_BUCKET, rankPopular, type PopularInterests } from '../chat/popular'

// ARGV: prefix, hour, ip, per-address cap, max names, ttl, names…
const RECORD = `
local P, h, ip = ARGV[1] .. '{pop}:' .. ARGV[2] .. ':', ARGV[2], ARGV[3]
local cap, maxn, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local ak, zk = P .. 'a:' .. ip, P .. 'z'
for i = 7, #ARGV do
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

export function createRedisPopular(
  redis: RedisConnections,
  opts: { prefix: string; perAddressHour: number; now?: () => number; onError?: (err: unknown) => void },
): PopularInterests {
  const now = opts.now ?? Date.now
  const P = `${opts.prefix}{pop}:`
  const record = defineScript(redis.cmd, RECORD)
  const ttl = Math.ceil((BUCKETS * BUCKET_MS) / 1000) + 3600
  let cached: { at: number; minCount: number; list: Array<{ name: string; count: number }> } | null = null

  async function compute(minCount: number) {
    const hour = Math.floor(now() / BUCKET_MS)
    const hours = Array.from({ length: BUCKETS }, (_, k) => hour - k)
    const p = redis.cmd.pipeline()
    for (const h of hours) p.zrevrange(`${P}${h}:z`, 0, CANDIDATES - 1)
    const names = new Set<string>()
    for (const [err, list] of (await p.exec()) ?? []) if (!err) for (const n of list as string[]) names.add(n)
    const q = redis.cmd.pipeline()
    const order = [...names]
    for (const n of order) q.pfcount(...hours.map(h => `${P}${h}:n:${n}`))
    const counts = (await q.exec()) ?? []
    return rankPopular(
      order.map((n, i) => [n, Number(counts[i]?.[1] ?? 0)] as [string, number]),
      50,
      minCount,
    )
  }

  return {
    record(ipHash, interests) {
      if (!interests.length) return
      const hour = Math.floor(now() / BUCKET_MS)
      record([`${P}${hour}:z`], [opts.prefix, hour, ipHash, opts.perAddressHour, MAX_NAMES_PER_BUCKET, ttl, ...interests]).catch(err => opts.onError?.(err))
    },
    async top(limit, minCount = 1) {
      const t = now()
      if (!cached || cached.minCount !== minCount || t - cached.at > TOP_CACHE_MS) {
        try {
          cached = { at: t, minCount, list: await compute(minCount) }
        } catch (err) {
          opts.onError?.(err)
          return cached?.list.slice(0, limit) ?? []
        }
      }
      return cached.list.slice(0, limit)
    },
  }
}
