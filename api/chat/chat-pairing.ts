// Chats begin and end: a match from the queue becomes a chat on both sides, and a chat ends for
// both (leave, next, goodbye, block, report, ban, expiry). State changes travel with their frames
// through the backend (`apply` where the session lives). Part of the chat rules.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import { newChatId } from '../ids'
import type { ChatBackend, Control, Expired } from './ports/chat-backend'
import type { Match, MatchQueue } from './ports/match-queue'
import { encodeEphemeral, type EndReason, type EndedBy } from './protocol'
import type { MatchWaker } from '../push/waker'
import type { ChatRef, LocalSession } from './session'

/** Told of every relayed text and ended chat on this node (one-node transcripts, tests). */
export interface HubObserver {
  onText?(chatId: string, fromSessionId: string, body: string, at: number): void
  onChatEnded?(chatId: string, reason: EndReason): void
}

/** `undelivered`: the ended side's partner's texts it never got (only an expiry knows them). */
export type Outcome = { by: EndedBy; reason: EndReason; undelivered?: string[] }

export interface PairingDeps {
  config: { repairCooldownMs: number }
  backend: ChatBackend
  queue: MatchQueue
  log: Logger
  metrics: Metrics
  observers: HubObserver[]
  now: () => number
  /** Web Push for a matched side whose socket is gone (api/push); absent with PUSH_ENABLED off. */
  waker?: MatchWaker
}

const PARTNER_RECONNECTING = encodeEphemeral({ type: 'partner', state: 'reconnecting' })

export type Pairing = ReturnType<typeof createPairing>

export function createPairing(deps: PairingDeps) {
  const { config, backend, queue, log, metrics, observers, now, waker } = deps

  // ---------- state changes that travel with frames ----------

  /** Applied where the session lives, before the frame that carries it is sent. */
  function apply(s: LocalSession, ctl: Control): boolean {
    if (ctl.t === 'matched') {
      s.state = 'chatting'
      s.chat = ctl.chat
      s.requeue = false
      s.epoch++
      s.chatTexts = 0
      s.mailbox?.forgetIds()
      s.mailbox?.newChat()
      return true
    }
    // Already applied here (the ending side applies it at once, before its own frame returns).
    if (s.chat?.id !== ctl.chat) return s.lastChat?.id === ctl.chat && s.lastChat.endedAt === ctl.at
    const video = s.chat?.video
    s.state = 'idle'
    s.chat = null
    s.epoch++
    // Its subscription was dropped with the chat: a new search must subscribe again to be woken.
    s.wakeable = false
    s.mailbox?.newChat()
    s.lastChat = { id: ctl.chat, partnerId: ctl.partnerId, partnerIpHash: ctl.partnerIpHash, endedAt: ctl.at, ...(video && { video: true }) }
    return true
  }

  // ---------- chats ----------

  /** A pair from the queue becomes a chat: both sides get `matched` (the match carries both address hashes). */
  function onMatch(m: Match) {
    pushMatched(m)
    wake(m.a, m.b)
    wake(m.b, m.a)
  }

  /** A side without a socket (a waiter whose phone suspended the page) gets a push; its partner hears it is away. */
  function wake(id: string, partnerId: string) {
    waker?.matched(id).then(
      away => away && backend.send(partnerId, PARTNER_RECONNECTING),
      err => log.warn('push on match failed', { err: (err as Error)?.message }),
    )
  }

  function pushMatched(m: Match) {
    const aIp = m.aIpHash
    const bIp = m.bIpHash
    const id = newChatId()
    const startedAt = now()
    metrics.inc('matches_total', { kind: m.random ? 'random' : 'interest' })
    const languages = m.languages
    if (!m.video) {
      const chatA: ChatRef = { id, partnerId: m.b, partnerIpHash: bIp, common: m.common, startedAt }
      const chatB: ChatRef = { id, partnerId: m.a, partnerIpHash: aIp, common: m.common, startedAt }
      backend.push(m.a, { type: 'matched', chat: id, common: m.common, languages }, { t: 'matched', chat: chatA })
      backend.push(m.b, { type: 'matched', chat: id, common: m.common, languages }, { t: 'matched', chat: chatB })
      return
    }
    // The longest-waiting side offers: one fixed rule, so the two never both (or neither) offer.
    metrics.inc('video_matches_total')
    const chatA: ChatRef = { id, partnerId: m.b, partnerIpHash: bIp, common: m.common, startedAt, video: true, offerer: true }
    const chatB: ChatRef = { id, partnerId: m.a, partnerIpHash: aIp, common: m.common, startedAt, video: true, offerer: false }
    backend.push(m.a, { type: 'matched', chat: id, common: m.common, languages, video: true, offerer: true }, { t: 'matched', chat: chatA })
    backend.push(m.b, { type: 'matched', chat: id, common: m.common, languages, video: true, offerer: false }, { t: 'matched', chat: chatB })
  }

  /** Ends the chat of session `selfId` (`chat` as it knows it): it is told `mine`, the partner `theirs`. */
  function endChat(selfId: string, selfIpHash: string, chat: ChatRef, mine: Outcome | null, theirs: Outcome) {
    const at = now()
    const ended: Control = { t: 'ended', chat: chat.id, partnerId: chat.partnerId, partnerIpHash: chat.partnerIpHash, at }
    // A local session changes state now, as the caller expects (a find that follows must see it
    // idle); where its frame comes back through the backend, apply() finds it already done.
    const self = backend.local(selfId)
    if (self) apply(self, ended)
    backend.push(selfId, mine && { type: 'ended', ...mine }, ended)
    backend.push(chat.partnerId, { type: 'ended', ...theirs }, { t: 'ended', chat: chat.id, partnerId: selfId, partnerIpHash: selfIpHash, at })
    // The queue may be shared (Redis) and away: a missed re-pair cool-down only lets the two meet
    // again sooner, so it is logged, never left to reject unhandled (that would end the process).
    waker?.forget(selfId)
    waker?.forget(chat.partnerId)
    queue.cooldown(selfId, chat.partnerId, at + config.repairCooldownMs).catch(err => log.warn('re-pair cool-down failed', { err: (err as Error)?.message }))
    metrics.inc('chats_ended_total', { reason: theirs.reason })
    for (const o of observers) o.onChatEnded?.(chat.id, theirs.reason)
  }

  function endLocal(s: LocalSession, mine: Outcome | null, theirs: Outcome): boolean {
    if (!s.chat) return false
    endChat(s.id, s.ipHash, s.chat, mine, theirs)
    return true
  }

  /** A held session's window passed (any node may run this on several). */
  function expired(e: Expired) {
    // The partner learns which of its texts never reached this session (see Expired.undelivered).
    if (e.chat) endChat(e.id, e.ipHash, e.chat, null, { by: 'server', reason: 'timeout', ...(e.undelivered?.length && { undelivered: e.undelivered }) })
    void queue.remove(e.id).catch(() => false)
    waker?.forget(e.id)
  }

  return { apply, onMatch, endChat, endLocal, expired }
}
