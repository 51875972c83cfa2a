// The relay of texts past the hot path: the screened start of a chat (spam gate), texts held in
// order behind one being screened, and texts outside a chat. The hot path itself (a text in an
// open chat, past the screened start) is inline in chat-rules.ts onFrame. Part of the chat rules.
import type { Metrics } from '../ops/metrics'
import type { Connection } from './connection'
import type { ChatGuard } from './guard'
import type { ChatBackend } from './ports/chat-backend'
import type { LocalSession } from './session'
import type { HubObserver } from './chat-pairing'
import type { Refusals } from './chat-refusals'
import type { Outbound } from './outbound'

export interface RelayDeps {
  backend: ChatBackend
  guard: ChatGuard
  metrics: Metrics
  observers: HubObserver[]
  now: () => number
  refuse: Refusals['refuse']
  outbound: Outbound
}

export type Relay = ReturnType<typeof createRelay>

export function createRelay(deps: RelayDeps) {
  const { backend, guard, metrics, observers, now, refuse, outbound } = deps
  const relayed = metrics.counter('messages_relayed_total')
  // Screening is by time since the match: texts of a chat's first screenMs go to the spam gate.
  const screenMs = guard.screenText ? (guard.screenTextMs ?? 0) : 0

  /** The relay, past screening: what a text frame does while its chat is open. */
  function relay(s: LocalSession, conn: Connection, id: string, body: string, replyTo?: number) {
    if (s.conn !== conn) return
    const chat = s.chat
    if (!chat) return textOutsideChat(s, conn, id)
    const at = now()
    backend.relayText(s, chat.partnerId, id, body, at, replyTo)
    relayed.inc()
    for (const o of observers) o.onText?.(chat.id, s.id, body, at)
  }

  /** A text: those of a chat's first screenMs are screened (spam); while one is checked, later ones wait in order. */
  function onText(s: LocalSession, conn: Connection, id: string, body: string, replyTo?: number): void | Promise<void> {
    const chat = s.chat
    const at = now()
    if (!chat || !guard.screenText || at - chat.startedAt >= screenMs) return relay(s, conn, id, body, replyTo)
    const v = guard.screenText({ sessionId: s.id, ipHash: s.ipHash, partnerId: chat.partnerId, chatStartedAt: chat.startedAt }, body, at)
    if (!v) return relay(s, conn, id, body, replyTo)
    if (!('then' in v)) return refuse(s, conn, { ...v, id })
    return v.then(
      r => (r ? (s.conn === conn ? refuse(s, conn, { ...r, id }) : undefined) : relay(s, conn, id, body, replyTo)),
      () => relay(s, conn, id, body, replyTo),
    )
  }

  /** A text at the start of a chat, outside one, or while an earlier one is being screened. */
  function slowText(s: LocalSession, conn: Connection, id: string, body: string, replyTo?: number) {
    if (s.textGate)
      return gate(
        s,
        s.textGate.then(() => onText(s, conn, id, body, replyTo)),
      )
    if (!s.chat) return textOutsideChat(s, conn, id)
    const held = onText(s, conn, id, body, replyTo)
    if (held) gate(s, held)
  }

  /** Holds this session's later texts behind `p` (each new text chains on the latest gate).
   *  The gate settles either way and is kept in `s.textGate` only, so nothing is returned to float. */
  function gate(s: LocalSession, p: Promise<unknown>): void {
    const g: Promise<void> = p.then(
      () => {
        if (s.textGate === g) s.textGate = null
      },
      () => {
        if (s.textGate === g) s.textGate = null
      },
    )
    s.textGate = g
  }

  /** A resend of a message accepted before the chat ended still gets its first receipt. */
  async function textOutsideChat(s: LocalSession, conn: Connection, clientId: string) {
    const dup = await backend.receipt(s, clientId)
    if (dup !== undefined) {
      if (s.conn === conn) outbound.json(conn, dup)
      return
    }
    if (s.conn === conn) refuse(s, conn, { code: 'not_in_chat', message: 'you are not in a chat', id: clientId })
  }

  return { slowText, textOutsideChat }
}
