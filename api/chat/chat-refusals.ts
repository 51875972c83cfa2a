// What a session is told when something it sent is refused: the error frame (with the refused
// text's id), its metric, and the strikes that close an abusive socket. Part of the chat rules.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { Connection } from './connection'
import type { ChatGuard, Refusal } from './guard'
import type { Outbound } from './outbound'
import type { ErrorCode } from './protocol'
import type { LocalSession } from './session'

export interface RefusalsDeps {
  config: { abuseStrikesBeforeClose: number }
  guard: ChatGuard
  log: Logger
  metrics: Metrics
  now: () => number
  outbound: Outbound
}

export type Refusals = ReturnType<typeof createRefusals>

export function createRefusals(deps: RefusalsDeps) {
  const { config, guard, log, metrics, now } = deps
  /** A frame to a session's own socket (outbound.ts: the one way, counted once). */
  const sendTo = deps.outbound.frame

  /** An error frame for what `s` sent (`id`: the refused text's), counted as a strike unless it is a challenge. */
  function refuse(s: LocalSession, conn: Connection, r: { code: ErrorCode; message: string; retryAfterMs?: number; challenge?: Refusal['challenge']; id?: string }) {
    sendTo(conn, {
      type: 'error',
      code: r.code,
      message: r.message,
      ...(r.retryAfterMs !== undefined && { retryAfterMs: r.retryAfterMs }),
      ...(r.challenge && { challenge: r.challenge }),
      ...(r.id !== undefined && { id: r.id }),
    })
    metrics.inc('errors_total', { code: r.code })
    // Being asked for a proof is not a mistake of the client's.
    if (r.code === 'proof_required') return
    // Strikes decay by one a second: a burst of mistakes is fine, sustained abuse is not.
    const t = now()
    s.strikes = Math.max(0, s.strikes - (t - s.strikesAt) / 1000) + 1
    s.strikesAt = t
    // Once per connection (not per frame, which a flood would turn into a cache call each).
    if (s.strikes > config.abuseStrikesBeforeClose / 2 && s.strikes - 1 <= config.abuseStrikesBeforeClose / 2) guard.noteRisk?.(s.ipHash, 'refused')
    if (s.strikes > config.abuseStrikesBeforeClose) {
      log.warn('closing abusive socket', { ipHash: s.ipHash, code: r.code })
      conn.close(1008, 'too many bad frames')
    }
  }

  /**
   * A text the backend accepted from `s` but could not relay (the chat had ended where the relay
   * runs, or the shared backend was away). The sender's view lagged: no strike.
   */
  function relayRefused(s: LocalSession, clientId: string, code: 'not_in_chat' | 'unavailable') {
    if (!s.conn) return
    const message = code === 'unavailable' ? 'the chat service is briefly unavailable; your message was not sent' : 'you are not in a chat'
    sendTo(s.conn, { type: 'error', code, message, id: clientId })
    metrics.inc('errors_total', { code })
  }

  return { sendTo, refuse, relayRefused }
}
