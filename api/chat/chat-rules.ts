// The rules of chatting, knowing sessions by id only: joining the queue, pairing, relaying,
// ending a chat. Whatever reaches another session goes through the backend's push/send, so the
// same rules run on one node and on several.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { Connection } from './connection'
import type { ChatGuard, Refusal } from './guard'
import { newChatId } from '../ids'
import type { ChatBackend, Control, Expired } from './ports/chat-backend'
import type { Match, MatchQueue } from './ports/match-queue'
import type { PopularInterests } from './popular'
import type { ClientFrame, EndReason, EndedBy, ErrorCode, ServerFrame } from './protocol'
import type { ChatRef, LocalSession } from './session'

export interface ChatRulesConfig {
  repairCooldownMs: number
  abuseStrikesBeforeClose: number
}

export interface HubObserver {
  onText?(chatId: string, fromSessionId: string, body: string, at: number): void
  onChatEnded?(chatId: string, reason: EndReason): void
}

export interface ChatRulesDeps {
  config: ChatRulesConfig
  backend: ChatBackend
  queue: MatchQueue
  guard: ChatGuard
  popular: PopularInterests
  log: Logger
  metrics: Metrics
  observers: HubObserver[]
  now: () => number
}

export type Outcome = { by: EndedBy; reason: EndReason }

const MAX_COUNTED_INTERESTS = 64

export type ChatRules = ReturnType<typeof createChatRules>

export function createChatRules(deps: ChatRulesDeps) {
  const { config, backend, queue, guard, popular, log, metrics, observers, now } = deps
  const relayed = metrics.counter('messages_relayed_total')

  function sendTo(conn: Connection, frame: ServerFrame) {
    conn.send(JSON.stringify(frame))
    metrics.inc('frames_out_total')
  }

  function refuse(s: LocalSession, conn: Connection, r: { code: ErrorCode; message: string; retryAfterMs?: number }) {
    sendTo(conn, { type: 'error', code: r.code, message: r.message, ...(r.retryAfterMs !== undefined && { retryAfterMs: r.retryAfterMs }) })
    metrics.inc('errors_total', { code: r.code })
    // Strikes decay by one a second: a burst of mistakes is fine, sustained abuse is not.
    const t = now()
    s.strikes = Math.max(0, s.strikes - (t - s.strikesAt) / 1000) + 1
    s.strikesAt = t
    if (s.strikes > config.abuseStrikesBeforeClose) {
      log.warn('closing abusive socket', { ipHash: s.ipHash, code: r.code })
      conn.close(1008, 'too many bad frames')
    }
  }

  // ---------- state changes that travel with frames ----------

  /** Applied where the session lives, before the frame that carries it is sent. */
  function apply(s: LocalSession, ctl: Control): boolean {
    if (ctl.t === 'matched') {
      s.state = 'chatting'
      s.chat = ctl.chat
      s.requeue = false
      s.epoch++
      s.mailbox?.forgetIds()
      return true
    }
    // Already applied here (the ending side applies it at once, before its own frame returns).
    if (s.chat?.id !== ctl.chat) return s.lastChat?.id === ctl.chat && s.lastChat.endedAt === ctl.at
    s.state = 'idle'
    s.chat = null
    s.epoch++
    s.lastChat = { id: ctl.chat, partnerId: ctl.partnerId, partnerIpHash: ctl.partnerIpHash, endedAt: ctl.at }
    return true
  }

  // ---------- chats ----------

  function onMatch(m: Match & { aIpHash?: string; bIpHash?: string }) {
    void pairUp(m).catch(err => log.error('pairing failed', { err }))
  }

  async function pairUp(m: Match & { aIpHash?: string; bIpHash?: string }) {
    const [va, vb] = await Promise.all([m.aIpHash ? null : backend.view(m.a), m.bIpHash ? null : backend.view(m.b)])
    const aIp = m.aIpHash ?? va?.ipHash ?? ''
    const bIp = m.bIpHash ?? vb?.ipHash ?? ''
    const id = newChatId()
    const startedAt = now()
    metrics.inc('matches_total', { kind: m.random ? 'random' : 'interest' })
    const chatA: ChatRef = { id, partnerId: m.b, partnerIpHash: bIp, common: m.common, startedAt }
    const chatB: ChatRef = { id, partnerId: m.a, partnerIpHash: aIp, common: m.common, startedAt }
    backend.push(m.a, { type: 'matched', chat: id, common: m.common }, { t: 'matched', chat: chatA })
    backend.push(m.b, { type: 'matched', chat: id, common: m.common }, { t: 'matched', chat: chatB })
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
    void queue.cooldown(selfId, chat.partnerId, at + config.repairCooldownMs)
    metrics.inc('chats_ended_total', { reason: theirs.reason })
    for (const o of observers) o.onChatEnded?.(chat.id, theirs.reason)
  }

  function endLocal(s: LocalSession, mine: Outcome | null, theirs: Outcome): boolean {
    if (!s.chat) return false
    endChat(s.id, s.ipHash, s.chat, mine, theirs)
    return true
  }

  function enqueue(s: LocalSession) {
    s.state = 'queued'
    s.epoch++
    backend.save(s)
    // Through the backend like every frame for a session: on several nodes an `ended` pushed
    // just before must reach the client first.
    backend.send(s.id, JSON.stringify({ type: 'queued', interests: s.interests, random: s.random }))
    void queue.enqueue({ id: s.id, interests: s.interests, random: s.random, ipHash: s.ipHash }).catch(err => {
      log.warn('could not join the queue', { err: (err as Error)?.message })
      leaveQueue(s)
      // The queue is shared (Redis) and unreachable: a stable code the client can retry on.
      if (s.conn) refuse(s, s.conn, { code: 'unavailable', message: 'matching is briefly unavailable; try again in a few seconds', retryAfterMs: 2000 })
    })
  }

  function leaveQueue(s: LocalSession) {
    if (s.state !== 'queued') return
    void queue.remove(s.id).catch(() => false)
    s.state = 'idle'
    s.epoch++
    backend.save(s)
  }

  async function find(s: LocalSession, conn: Connection, interests: string[], random: boolean, record = true) {
    if (interests.length === 0 && !random) {
      return refuse(s, conn, { code: 'bad_frame', message: 'find: give at least one interest or allow random strangers' })
    }
    endLocal(s, { by: 'you', reason: 'next' }, { by: 'stranger', reason: 'next' })
    leaveQueue(s)
    s.interests = interests
    s.random = random
    const epoch = ++s.epoch
    let refusal: Refusal | null
    try {
      refusal = await guard.checkFind({ sessionId: s.id, ipHash: s.ipHash })
    } catch (err) {
      log.error('guard.checkFind failed', { err })
      refusal = { code: 'internal', message: 'could not join the queue, try again' }
    }
    // Something happened while we waited (leave, another find, a dropped socket): that wins.
    if (epoch !== s.epoch || s.conn !== conn) return
    if (refusal) return refuse(s, conn, refusal)
    if (record) {
      const fresh = interests.filter(i => !s.counted.has(i))
      // Bounded: a session that keeps changing interests stops counting, it does not grow.
      if (s.counted.size < MAX_COUNTED_INTERESTS) for (const i of fresh) s.counted.add(i)
      else fresh.length = 0
      popular.record(fresh)
    }
    enqueue(s)
  }

  // ---------- frames ----------

  function onFrame(s: LocalSession, conn: Connection, frame: ClientFrame): void | Promise<void> {
    switch (frame.type) {
      case 'text': {
        const chat = s.chat
        if (!chat) return textOutsideChat(s, conn, frame.id)
        const at = now()
        backend.relayText(s, chat.partnerId, frame.id, frame.body, at)
        relayed.inc()
        for (const o of observers) o.onText?.(chat.id, s.id, frame.body, at)
        return
      }
      case 'typing':
        // Typing state is ephemeral: dropped when there is no live partner to show it to.
        if (s.chat) backend.send(s.chat.partnerId, frame.active ? TYPING_ON : TYPING_OFF)
        return
      case 'ack': {
        const r = backend.ack(s, frame.seq)
        if (r === null) return
        if (typeof r === 'string') return refuse(s, conn, { code: 'bad_frame', message: r })
        return r.then(msg => {
          if (msg) refuse(s, conn, { code: 'bad_frame', message: msg })
        })
      }
      case 'find':
        return find(s, conn, frame.interests, frame.random)
      case 'next':
        return find(s, conn, s.interests, s.random)
      case 'leave':
        if (!endLocal(s, { by: 'you', reason: 'left' }, { by: 'stranger', reason: 'left' })) leaveQueue(s)
        s.epoch++
        return
    }
  }

  /** A resend of a message accepted before the chat ended still gets its first receipt. */
  async function textOutsideChat(s: LocalSession, conn: Connection, clientId: string) {
    const dup = await backend.receipt(s, clientId)
    if (dup !== undefined) {
      if (s.conn === conn) conn.send(dup)
      return
    }
    if (s.conn === conn) refuse(s, conn, { code: 'not_in_chat', message: 'you are not in a chat' })
  }

  /** A held session's window passed (any node may run this on several). */
  function expired(e: Expired) {
    if (e.chat) endChat(e.id, e.ipHash, e.chat, null, { by: 'server', reason: 'timeout' })
    void queue.remove(e.id).catch(() => false)
  }

  return { apply, onMatch, endChat, endLocal, enqueue, leaveQueue, find, onFrame, expired, refuse, sendTo }
}

const TYPING_ON = JSON.stringify({ type: 'typing', active: true })
const TYPING_OFF = JSON.stringify({ type: 'typing', active: false })
