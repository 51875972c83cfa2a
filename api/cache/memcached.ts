// memcached backend through memjs. memjs cannot be trusted to settle a call: when the port is
// held by something that is not memcached (an HTTP server answers junk and closes), it keeps
// every callback forever and never times out, so pending calls pile up without bound. So each
// call gets our own deadline; when it passes, the connection is failed on purpose (memjs then
// rejects everything pending on it and reconnects on the next call). After a failure the backend
// is skipped for a short, growing pause, so a dead or wrong server costs callers nothing and is
// probed again at most every MAX_PAUSE_MS (a restarted memcached is picked up by itself).
// It is still used through `guarded` (cache.ts), which bounds every call once more.
import memjs from 'memjs'
import type { RawCache } from './cache'

const FIRST_PAUSE_MS = 100
const MAX_PAUSE_MS = 2000

export interface MemcachedCache extends RawCache {
  /** Calls started and not yet settled (diagnostics: must not grow while memcached is away). */
  inFlight(): number
}

export function createMemcachedCache(servers: string, timeoutMs: number, now: () => number = Date.now): MemcachedCache {
  const client = memjs.Client.create(servers, {
    timeout: timeoutMs / 1000,
    conntimeout: timeoutMs / 1000,
    retries: 1,
    retry_delay: 0.05,
    keepAlive: true,
    logger: { log() {} },
  })

  let inFlight = 0
  let failures = 0
  let pausedUntil = 0

  function fail() {
    failures++
    pausedUntil = now() + Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (failures - 1))
  }

  function call<T>(fn: () => Promise<T>): Promise<T> {
    if (now() < pausedUntil) return Promise.reject(new Error('memcached unavailable, skipping the call for now'))
    inFlight++
    return new Promise<T>((resolve, reject) => {
      let done = false
      const settle = () => {
        if (done) return false
        done = true
        inFlight--
        clearTimeout(timer)
        return true
      }
      const timer = setTimeout(() => {
        // Fail the connection: memjs rejects this call and everything else pending on it.
        const err = new Error(`memcached did not answer within ${timeoutMs} ms`)
        for (const s of client.servers) s.error(err)
        if (settle()) {
          fail()
          reject(err)
        }
      }, timeoutMs)
      let p: Promise<T>
      try {
        p = fn()
      } catch (err) {
        settle()
        fail()
        return reject(err instanceof Error ? err : new Error(String(err)))
      }
      p.then(
        v => {
          if (!settle()) return
          failures = 0
          pausedUntil = 0
          resolve(v)
        },
        err => {
          if (!settle()) return
          // memjs names an answer from a live server ("MemJS INCREMENT: ..."), e.g. incr on a
          // non-number: the call failed, the server did not.
          if (!/^MemJS [A-Z]+:/.test((err as Error)?.message ?? '')) fail()
          reject(err instanceof Error ? err : new Error(String(err)))
        },
      )
    })
  }

  return {
    kind: 'memcached',
    inFlight: () => inFlight,
    async get(key) {
      const { value } = await call(() => client.get(key))
      return value ? value.toString('utf8') : null
    },
    async set(key, value, ttl) {
      return (await call(() => client.set(key, value, { expires: ttl }))) ?? false
    },
    async add(key, value, ttl) {
      return (await call(() => client.add(key, value, { expires: ttl }))) ?? false
    },
    async delete(key) {
      return (await call(() => client.delete(key))) ?? false
    },
    async incr(key, by, ttl) {
      const r = await call(() => client.increment(key, by, { initial: by, expires: ttl }))
      return r.success && r.value != null ? Number(r.value) : null
    },
    async ping() {
      // A real round-trip proves a live memcached answers, not just an open port.
      await call(() => client.get('leetchat:ping'))
      return true
    },
    async close() {
      client.close()
    },
  }
}
