// In-process cache for the embedded default: a Map with per-key expiry, swept lazily on read and
// periodically so abandoned keys do not pile up.
import type { RawCache } from './cache'

interface Entry {
  value: string
  expiresAt: number
}

export function createMemoryCache(now: () => number = Date.now): RawCache {
  const map = new Map<string, Entry>()
  const live = (key: string): Entry | undefined => {
    const e = map.get(key)
    if (e && e.expiresAt <= now()) {
      map.delete(key)
      return undefined
    }
    return e
  }
  const sweep = setInterval(() => {
    const t = now()
    for (const [k, e] of map) if (e.expiresAt <= t) map.delete(k)
  }, 30_000)
  sweep.unref?.()

  return {
    kind: 'memory',
    async get(key) {
      return live(key)?.value ?? null
    },
    async set(key, value, ttl) {
      map.set(key, { value, expiresAt: now() + ttl * 1000 })
      return true
    },
    async add(key, value, ttl) {
      if (live(key)) return false
      map.set(key, { value, expiresAt: now() + ttl * 1000 })
      return true
    },
    async delete(key) {
      return map.delete(key)
    },
    async incr(key, by, ttl) {
      const e = live(key)
      if (!e) {
        map.set(key, { value: String(by), expiresAt: now() + ttl * 1000 })
        return by
      }
      // Like memcached, a counter only grows from a number; anything else is a failed call.
      const n = Number(e.value) + by
      if (!Number.isFinite(n)) throw new Error(`incr: value of ${key} is not a number`)
      e.value = String(n)
      return n
    },
    async ping() {
      return true
    },
    async close() {
      clearInterval(sweep)
      map.clear()
    },
  }
}
