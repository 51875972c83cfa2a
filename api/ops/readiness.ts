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
  closing: boolean
}

export function createReadiness(deps: { db: OpenDatabase; cache: Cache; closing: () => boolean; timeoutMs?: number }) {
  const timeoutMs = deps.timeoutMs ?? 1000
  return async function check(): Promise<Readiness> {
    // The cache is already bounded by CACHE_TIMEOUT_MS (api/cache/cache.ts); the database by timeoutMs.
    const [database, cache] = await Promise.all([deps.db.ping(timeoutMs), deps.cache.ping()])
    const closing = deps.closing()
    return { ok: database && cache && !closing, database, cache, closing }
  }
}
