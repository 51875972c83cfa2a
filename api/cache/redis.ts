// Redis backend of the Cache (chosen when REDIS_URL is set and MEMCACHED_SERVERS is not), on the
// node's shared command connection (api/cluster/redis.ts): with several nodes, upload tickets,
// ban lookups and session snapshots are then seen by every node. Keys live under
// `<REDIS_PREFIX>cache:` so they never collide with the cluster's own keys.
// The connection fails fast while Redis is away (no offline queue, a command timeout); `guarded`
// (cache.ts) still bounds every call by CACHE_TIMEOUT_MS and turns failures into misses.
import type { RedisConnections } from '../cluster/redis'
import { defineScript } from '../cluster/redis'
import type { RawCache } from './cache'

// Creates the counter at `by` with the TTL when absent, else adds without touching the TTL (as
// memcached's increment with an initial value does). A non-number fails, like memcached.
const INCR = `
local existed = redis.call('EXISTS', KEYS[1])
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return n
`

export function createRedisCache(redis: RedisConnections): RawCache {
  const { cmd } = redis
  const k = (key: string) => `${redis.prefix}cache:${key}`
  const incr = defineScript(cmd, INCR)
  // Redis refuses EX 0; the other backends treat a TTL below a second as "expire at once" anyway.
  const ex = (ttl: number) => Math.max(1, Math.ceil(ttl))
  return {
    kind: 'redis',
    get: key => cmd.get(k(key)),
    async set(key, value, ttl) {
      return (await cmd.set(k(key), value, 'EX', ex(ttl))) === 'OK'
    },
    async add(key, value, ttl) {
      return (await cmd.set(k(key), value, 'EX', ex(ttl), 'NX')) === 'OK'
    },
    async delete(key) {
      return (await cmd.del(k(key))) === 1
    },
    async incr(key, by, ttl) {
      return Number(await incr([k(key)], [by, ex(ttl)]))
    },
    async ping() {
      return (await cmd.ping()) === 'PONG'
    },
    // The connection belongs to the node (app.ts closes it after everything that uses it).
    async close() {},
  }
}
