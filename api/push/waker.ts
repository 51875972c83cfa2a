// Wakes a matched session whose socket is gone (a phone that suspended the page) with a Web Push:
// the chat rules call `matched` for each side of a new chat and `forget` when a session's chat
// ends or the session expires. A push never holds up or changes the chat: it is sent in the
// background, a failure is counted and logged, and a subscription the push service calls gone
// (404/410) is deleted. The payload says only what happened, never who or what was written.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { PushSender } from './sender'
import type { PushStore } from './store'

/** What the chat rules need (chat-pairing.ts): nothing here knows a chat. */
export interface MatchWaker {
  /** A new chat for `sessionId`: true when it has a subscription and no socket (its partner is told it is away); a push goes out then. */
  matched(sessionId: string): Promise<boolean>
  /** Its chat ended, or it expired: the subscription goes (a new search subscribes again). */
  forget(sessionId: string): void
}

/** The whole payload of a match push: the service worker shows its own (translated) words. */
export const MATCH_PAYLOAD = JSON.stringify({ type: 'matched' })

export interface PushWakerDeps {
  store: PushStore
  send: PushSender
  /** Whether the session has a socket on any node (ChatBackend.connected). */
  connected(sessionId: string): Promise<boolean>
  /** The resume window: a push older than it finds the session gone, so it may not wait longer. */
  ttlSeconds: number
  minIntervalMs: number
  log: Logger
  metrics: Metrics
}

export function createPushWaker(deps: PushWakerDeps): MatchWaker {
  const { store, send, log, metrics } = deps
  const failed = (what: string) => (err: unknown) => {
    metrics.inc('push_store_errors_total')
    log.warn(`push subscription ${what} failed`, { err: (err as Error)?.message })
  }

  async function deliver(id: string, sub: Parameters<PushSender>[0]) {
    if (!(await store.takeSlot(id, deps.minIntervalMs))) return void metrics.inc('pushes_total', { result: 'rate_limited' })
    const result = await send(sub, { payload: MATCH_PAYLOAD, ttlSeconds: deps.ttlSeconds, urgency: 'high' })
    metrics.inc('pushes_total', { result })
    if (result === 'gone') await store.drop(id)
    else if (result !== 'sent') log.info('push not delivered', { result })
  }

  return {
    async matched(id) {
      const sub = await store.get(id)
      if (!sub || (await deps.connected(id))) return false
      void deliver(id, sub).catch(failed('use'))
      return true
    },
    forget(id) {
      void store.drop(id).catch(failed('drop'))
    },
  }
}
