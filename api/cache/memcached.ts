// memcached backend through memjs. memjs can hang forever when the port is held by something
// that is not memcached, so this module is always used through `guarded` (cache.ts), which
// bounds every call with our own timeout.
import memjs from 'memjs'
import type { RawCache } from './cache'

export function createMemcachedCache(servers: string, timeoutMs: number): RawCache {
  const client = memjs.Client.create(servers, {
    timeout: timeoutMs / 1000,
    conntimeout: timeoutMs / 1000,
    retries: 1,
    retry_delay: 0.05,
    keepAlive: true,
    logger: { log() {} },
  })
  return {
    kind: 'memcached',
    async get(key) {
      const { value } = await client.get(key)
      return value ? value.toString('utf8') : null
    },
    async set(key, value, ttl) {
      return (await client.set(key, value, { expires: ttl })) ?? false
    },
    async add(key, value, ttl) {
      return (await client.add(key, value, { expires: ttl })) ?? false
    },
    async delete(key) {
      return (await client.delete(key)) ?? false
    },
    async incr(key, by, ttl) {
      const r = await client.increment(key, by, { initial: by, expires: ttl })
      return r.success && r.value != null ? Number(r.value) : null
    },
    async ping() {
      // A real round-trip proves a live memcached answers, not just an open port.
      await client.get('leetchat:ping')
      return true
    },
    async close() {
      client.close()
    },
  }
}
