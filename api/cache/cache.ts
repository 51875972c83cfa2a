// The small key/value interface behind which shared state lives (session snapshots, rate-limit
// counters, ban lookups). In-process by default; memcached or Redis in production. Callers treat the cache
// as best-effort: every method resolves (never rejects) and a failure reads as a miss, so a
// memcached outage degrades features instead of dropping chats.

export interface Cache {
  readonly kind: 'memory' | 'memcached' | 'redis'
  get(key: string): Promise<string | null>
  set(key: string, value: string, ttlSeconds: number): Promise<boolean>
  /** Store only if absent; true when this call stored it. */
  add(key: string, value: string, ttlSeconds: number): Promise<boolean>
  delete(key: string): Promise<boolean>
  /** Add `by` to a counter, creating it at `by` with the TTL when absent; null when the cache failed. */
  incr(key: string, by: number, ttlSeconds: number): Promise<number | null>
  /** True when the backend answers right now (for /readyz). */
  ping(): Promise<boolean>
  close(): Promise<void>
}

/**
 * A backend (memory.ts, memcached.ts, redis.ts): the same methods, but its calls may reject or hang;
 * `guarded` turns both into a resolved fallback value, which is what makes it a Cache.
 */
export type RawCache = Cache

export type CacheErrorListener = (op: string, err: unknown) => void

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T, onError: (err: unknown) => void): Promise<T> {
  return new Promise<T>(resolve => {
    // Settles once: a call that times out and then rejects late is one failure, not two.
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      onError(new Error(`cache call timed out after ${ms} ms`))
      resolve(fallback)
    }, ms)
    p.then(
      v => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(v)
      },
      err => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        onError(err)
        resolve(fallback)
      },
    )
  })
}

/** Wraps a raw backend so every call settles within `timeoutMs` and never rejects. */
export function guarded(rawCache: RawCache, timeoutMs: number, onError: CacheErrorListener = () => {}): Cache {
  const run = <T>(op: string, fallback: T, fn: () => Promise<T>): Promise<T> => {
    let p: Promise<T>
    try {
      p = fn()
    } catch (err) {
      onError(op, err)
      return Promise.resolve(fallback)
    }
    return withTimeout(p, timeoutMs, fallback, err => onError(op, err))
  }
  return {
    kind: rawCache.kind,
    get: key => run('get', null, () => rawCache.get(key)),
    set: (key, value, ttl) => run('set', false, () => rawCache.set(key, value, ttl)),
    add: (key, value, ttl) => run('add', false, () => rawCache.add(key, value, ttl)),
    delete: key => run('delete', false, () => rawCache.delete(key)),
    incr: (key, by, ttl) => run('incr', null, () => rawCache.incr(key, by, ttl)),
    ping: () => run('ping', false, () => rawCache.ping()),
    close: () => run('close', undefined, () => rawCache.close()),
  }
}
