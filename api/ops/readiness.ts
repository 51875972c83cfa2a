// /readyz: is this process fit to take traffic right now? The database and the cache must
// answer, the database and the media folder must take writes, and the process must not be
// shutting down. Every probe is bounded in time, so an outage turns the answer to "not ready"
// within about a second (a write failure within WRITE_PROBE_MS more), and a recovery turns it
// back without a restart.
import type { Cache } from '../cache/cache'
import type { OpenDatabase } from '../../db'
import { cachedProbe, probeDirWritable } from './write-probe'

export interface Readiness {
  ok: boolean
  database: boolean
  cache: boolean
  /** Only on a node of a cluster (REDIS_URL set): Redis answers. */
  redis?: boolean
  closing: boolean
  /** A one-row upsert commits (false: read-only or full database). */
  databaseWritable: boolean
  /** DATA_DIR/media takes a write + fsync (false: full disk, read-only mount). */
  mediaWritable: boolean
}

/** Write probes run at most this often (load balancers poll every second or so). */
export const WRITE_PROBE_MS = 2000

export function createReadiness(deps: {
  db: OpenDatabase
  cache: Cache
  redis?: { ping(timeoutMs?: number): Promise<boolean> } | null
  mediaDir: string
  closing: () => boolean
  timeoutMs?: number
  writeProbeMs?: number
}) {
  const timeoutMs = deps.timeoutMs ?? 1000
  const everyMs = deps.writeProbeMs ?? WRITE_PROBE_MS
  const databaseWritable = cachedProbe(() => deps.db.probeWrite(timeoutMs), everyMs)
  const mediaWritable = cachedProbe(() => probeDirWritable(deps.mediaDir, timeoutMs), everyMs)
  return async function check(): Promise<Readiness> {
    // The cache is already bounded by CACHE_TIMEOUT_MS (api/cache/cache.ts); the rest by timeoutMs.
    const [database, cache, redis, dbWrites, media] = await Promise.all([
      deps.db.ping(timeoutMs),
      deps.cache.ping(),
      deps.redis ? deps.redis.ping(timeoutMs) : null,
      databaseWritable(),
      mediaWritable(),
    ])
    const closing = deps.closing()
    return {
      ok: database && cache && redis !== false && dbWrites && media && !closing,
      database,
      cache,
      ...(redis === null ? {} : { redis }),
      closing,
      databaseWritable: dbWrites,
      mediaWritable: media,
    }
  }
}
