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
  /** A blocked pair of addresses is not paired again for this long. */
  blockSeconds: number
}

/** `block` right after a chat still applies to it for this long (like a report). */
export const BLOCK_AFTER_MS = 5 * 60_000
/** A `next` this soon after being matched is a skip; many of them raise the address's risk. */
const QUICK_SKIP_MS = 3000
/** Skipping fast is also what people do; only a habit of it counts (and people share addresses). */
const QUICK_SKIPS_PER_NOTE = 5

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
  // Screening is by time since the match: texts of a chat's first screenMs go to the spam gate.
  const screenMs = guard.screenText ? (guard.screenTextMs ?? 0) : 0

  function sendTo(conn: Connection, frame: ServerFrame) {
    conn.send(JSON.stringify(frame))
    metrics.inc('frames_out_total')
  }

  function refuse(s: LocalSession, conn: Connection, r: { code: ErrorCode; message: string; retryAfterMs?: number; challenge?: Refusal['challenge'] }) {
    sendTo(conn, {
      type: 'error',
      code: r.code,
      message: r.message,
      ...(r.retryAfterMs !== undefined && { retryAfterMs: r.retryAfterMs }),
      ...(r.challenge && { challenge: r.challenge }),
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
    void queue.cooldown(selfId, chat.partnerId, at + config.repairCooldownMs).catch(err => log.warn('re-pair cool-down failed', { err: (err as Error)?.message }))
    metrics.inc('chats_ended_total', { reason: theirs.reason })
    for (const o of observers) o.onChatEnded?.(chat.id, theirs.reason)
  }

  function endLocal(s: LocalSession, mine: Outcome | null, theirs: Outcome): boolean {
    if (!s.chat) return false
    endChat(s.id, s.ipHash, s.chat, mine, theirs)
    return true
  }

  function enqueue(s: LocalSession, pool = 'main') {
    s.state = 'queued'
    s.epoch++
    backend.save(s)
    // Through the backend like every frame for a session: on several nodes an `ended` pushed
    // just before must reach the client first.
    backend.send(s.id, JSON.stringify({ type: 'queued', interests: s.interests, random: s.random }))
    void queue.enqueue({ id: s.id, interests: s.interests, random: s.random, ipHash: s.ipHash, pool }).catch(err => {
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
    if (s.chat && now() - s.chat.startedAt < QUICK_SKIP_MS && ++s.quickSkips % QUICK_SKIPS_PER_NOTE === 0) guard.noteRisk?.(s.ipHash, 'skip')
    endLocal(s, { by: 'you', reason: 'next' }, { by: 'stranger', reason: 'next' })
    leaveQueue(s)
    s.interests = interests
    s.random = random
    s.awaitingProof = false
    const epoch = ++s.epoch
    let refusal: Refusal | null
    let pool = 'main'
    const ctx = { sessionId: s.id, ipHash: s.ipHash }
    try {
      ;[refusal, pool] = await Promise.all([guard.checkFind(ctx), guard.poolFor?.(ctx) ?? 'main'])
    } catch (err) {
      log.error('guard.checkFind failed', { err })
      refusal = { code: 'internal', message: 'could not join the queue, try again' }
    }
    // Something happened while we waited (leave, another find, a dropped socket): that wins.
    if (epoch !== s.epoch || s.conn !== conn) return
    if (refusal) {
      s.awaitingProof = refusal.code === 'proof_required'
      return refuse(s, conn, refusal)
    }
    if (record) {
      const fresh = interests.filter(i => !s.counted.has(i))
      // Bounded: a session that keeps changing interests stops counting, it does not grow.
      if (s.counted.size < MAX_COUNTED_INTERESTS) for (const i of fresh) s.counted.add(i)
      else fresh.length = 0
      popular.record(s.ipHash, fresh)
    }
    enqueue(s, pool)
  }

  /** A proof of work answering the challenge of the last find: accepted, that find runs now. */
  async function proof(s: LocalSession, conn: Connection, token: string, nonce: string) {
    const r = guard.checkProof ? await guard.checkProof({ sessionId: s.id, ipHash: s.ipHash }, token, nonce) : { code: 'bad_proof' as const, message: 'proof: no proof of work is asked for here' }
    if (s.conn !== conn) return
    if (r) return refuse(s, conn, r)
    if (!s.awaitingProof || s.state !== 'idle') return
    return find(s, conn, s.interests, s.random)
  }

  /** Ends the chat like leave (or takes the one just ended) and keeps the two addresses apart. */
  function block(s: LocalSession, conn: Connection) {
    const t = now()
    let partnerId: string
    let partnerIpHash: string
    if (s.chat) {
      ;({ partnerId, partnerIpHash } = s.chat)
      endLocal(s, { by: 'you', reason: 'left' }, { by: 'stranger', reason: 'left' })
      s.epoch++
    } else if (s.lastChat && t - s.lastChat.endedAt <= BLOCK_AFTER_MS) {
      ;({ partnerId, partnerIpHash } = s.lastChat)
    } else return refuse(s, conn, { code: 'not_in_chat', message: 'block: there is no current or recent chat' })
    const until = t + config.blockSeconds * 1000
    void queue.cooldown(s.id, partnerId, until).catch(err => log.error('block cool-down failed', { err }))
    // Two people behind one address (a school) only keep their sessions apart: an address
    // cool-down with itself would keep the blocker from everyone there.
    if (partnerIpHash && partnerIpHash !== s.ipHash) {
      void queue.cooldown(`ip:${s.ipHash}`, `ip:${partnerIpHash}`, until).catch(err => log.error('block cool-down failed', { err }))
      guard.noteRisk?.(partnerIpHash, 'blocked')
    }
    metrics.inc('blocks_total')
  }

  /** The relay, past screening: what a text frame does while its chat is open. */
  function relay(s: LocalSession, conn: Connection, id: string, body: string) {
    if (s.conn !== conn) return
    const chat = s.chat
    if (!chat) return textOutsideChat(s, conn, id)
    const at = now()
    backend.relayText(s, chat.partnerId, id, body, at)
    relayed.inc()
    for (const o of observers) o.onText?.(chat.id, s.id, body, at)
  }

  /** A text: those of a chat's first screenMs are screened (spam); while one is checked, later ones wait in order. */
  function onText(s: LocalSession, conn: Connection, id: string, body: string): void | Promise<void> {
    const chat = s.chat
    const at = now()
    if (!chat || !guard.screenText || at - chat.startedAt >= screenMs) return relay(s, conn, id, body)
    const v = guard.screenText({ sessionId: s.id, ipHash: s.ipHash, partnerId: chat.partnerId, chatStartedAt: chat.startedAt }, body, at)
    if (!v) return relay(s, conn, id, body)
    if (!('then' in v)) return refuse(s, conn, v)
    return v.then(
      r => (r ? (s.conn === conn ? refuse(s, conn, r) : undefined) : relay(s, conn, id, body)),
      () => relay(s, conn, id, body),
    )
  }

  /** A text at the start of a chat, outside one, or while an earlier one is being screened. */
  function slowText(s: LocalSession, conn: Connection, id: string, body: string) {
    if (s.textGate) return void gate(s, s.textGate.then(() => onText(s, conn, id, body)))
    if (!s.chat) return textOutsideChat(s, conn, id)
    const held = onText(s, conn, id, body)
    if (held) gate(s, held)
  }

  /** Holds this session's later texts behind `p` (each new text chains on the latest gate). */
  function gate(s: LocalSession, p: Promise<unknown>): Promise<void> {
    const g: Promise<void> = p.then(
      () => {
        if (s.textGate === g) s.textGate = null
      },
      () => {
        if (s.textGate === g) s.textGate = null
      },
    )
    s.textGate = g
    return g
  }

  // ---------- frames ----------

  function onFrame(s: LocalSession, conn: Connection, frame: ClientFrame): void | Promise<void> {
    switch (frame.type) {
      case 'text': {
        const chat = s.chat
        const at = now()
        // The hot path, as before screening existed: nothing held back, past the screened start.
        if (chat && s.textGate === null && at - chat.startedAt >= screenMs) {
          backend.relayText(s, chat.partnerId, frame.id, frame.body, at)
          relayed.inc()
          for (const o of observers) o.onText?.(chat.id, s.id, frame.body, at)
          return
        }
        return slowText(s, conn, frame.id, frame.body)
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
        s.awaitingProof = false
        return
      case 'block':
        return block(s, conn)
      case 'proof':
        return proof(s, conn, frame.token, frame.nonce)
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
