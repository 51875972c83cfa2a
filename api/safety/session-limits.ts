// Caps on sessions, checked before a WebSocket upgrade that would make a new one (a resume of a
// session this server holds is not new). MAX_CONNECTIONS_PER_IP caps sockets open at once; these
// cap what a socket loop leaves behind: every socket dropped without a goodbye keeps its session
// for the resume window.
//  - RATE_SESSIONS_PER_MINUTE per address, counted in the cache (cluster-wide with Redis);
//  - MAX_SESSIONS_PER_IP held (connected + resumable) per address on this node;
//  - MAX_SESSIONS held on this node: past it, 503 instead of growing until memory runs out.
import type { Cache } from '../cache/cache'
import type { Refusal } from '../chat/guard'
import type { Config } from '../config'
import type { Metrics } from '../ops/metrics'
import type { AddressRisk } from './address-risk'

export type SessionLimitsConfig = Pick<Config, 'rateSessionsPerMinute' | 'maxSessionsPerIp' | 'maxSessions' | 'resumeWindowMs'>

export interface SessionLimits {
  /** Before an upgrade that creates a session; null when it may. */
  admitNew(ipHash: string): Promise<Refusal | null>
}

export function createSessionLimits(deps: {
  config: SessionLimitsConfig
  cache: Cache
  metrics: Metrics
  /** Sessions this node holds (hub.held). */
  held: () => number
  /** … of one address (hub.heldBy). */
  heldBy: (ipHash: string) => number
  risk?: AddressRisk
  /** Called for every admitted new session (first-seen bookkeeping). */
  onAdmitted?: (ipHash: string, at: number) => void
  now: () => number
}): SessionLimits {
  const { config, cache, metrics, held, heldBy, risk, now } = deps
  metrics.describe('sessions_refused_total', 'New sessions refused at the upgrade, by code')
  // Churn is noted every quarter of the per-minute cap: each note raises the address's risk, so
  // an address that keeps opening sessions solves harder proofs (address-risk.ts, extraBits).
  const churnEvery = Math.max(2, Math.floor(config.rateSessionsPerMinute / 4))
  const refused = (r: Refusal) => {
    metrics.inc('sessions_refused_total', { code: r.code })
    return r
  }
  return {
    async admitNew(ipHash) {
      if (held() >= config.maxSessions) {
        return refused({ code: 'server_full', message: 'the server is full; try again in a moment', status: 503, retryAfterMs: 5000 })
      }
      if (heldBy(ipHash) >= config.maxSessionsPerIp) {
        return refused({
          code: 'too_many_sessions',
          message: `at most ${config.maxSessionsPerIp} sessions per address; close some or resume one`,
          status: 429,
          retryAfterMs: Math.max(1000, config.resumeWindowMs),
        })
      }
      const t = now()
      const minute = Math.floor(t / 60_000)
      const n = await cache.incr(`sessions:${ipHash}:${minute}`, 1, 120)
      // A cache outage lets sessions through: the per-node caps above still hold.
      if (n !== null && n > config.rateSessionsPerMinute) {
        return refused({
          code: 'too_many_sessions',
          message: `at most ${config.rateSessionsPerMinute} new sessions a minute per address`,
          status: 429,
          retryAfterMs: (minute + 1) * 60_000 - t,
        })
      }
      if (n !== null && n % churnEvery === 0) risk?.note(ipHash, 'churn')
      deps.onAdmitted?.(ipHash, t)
      return null
    },
  }
}
