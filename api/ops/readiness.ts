// /readyz: is this process fit to take traffic right now? The database and the cache must
// answer, and the process must not be shutting down. Every probe is bounded in time, so an
// outage turns the answer to "not ready" within about a second, and a recovery turns it back
// without a restart.
import type { Cache } from '../cache'
import type { OpenDatabase } from '../../db'

export interface Readiness {
  ok: boolean
  database: boolean
  cache: boolean
  /** Only on a node of a cluster (REDIS_URL set): Redis answers. */
  redis?: boolean
  closing: boolean
}

export function createReadiness(deps: { db: OpenDatabase; cache: Cache; redis?: { ping(timeoutMs?: number): Promise<boolean> } | null; closing: () => boolean; timeoutMs?: number }) {
  const timeoutMs = deps.timeoutMs ?? 1000
  return async function check(): Promise<Readiness> {
    // The cache is already bounded by CACHE_TIMEOUT_MS (api/cache/cache.ts); the database by timeoutMs.
    const [database, cache, redis] = await Promise.all([deps.db.ping(timeoutMs), deps.cache.ping(), deps.redis ? deps.redis.ping(timeoutMs) : null])
    const closing = deps.closing()
    return { ok: database && cache && redis !== false && !closing, database, cache, ...(redis === null ? {} : { redis }), closing }
  }
}
