// The rules of chatting, knowing sessions by id only: joining the queue, pairing, relaying,
// ending a chat. This file: finding (queue, proof of work, block) and the frame switch with the
// relay's hot path; chat-pairing.ts starts and ends chats, chat-relay.ts screens and holds texts,
// chat-refusals.ts tells a session what was refused. Whatever reaches another session goes
// through the backend's push/send, so the same rules run on one node and on several.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { Connection } from './connection'
import type { ChatGuard, Refusal } from './guard'
import type { ChatBackend } from './ports/chat-backend'
import type { MatchQueue } from './ports/match-queue'
import type { PopularInterests } from './popular'
import { encodeEphemeral, type ClientFrame } from './protocol'
import type { LocalSession } from './session'
import { createPairing, type HubObserver } from './chat-pairing'
import { createRefusals } from './chat-refusals'
import { createRelay } from './chat-relay'
import { createRtcRelay } from './rtc-relay'
import type { Outbound } from './outbound'
import type { MatchWaker } from '../push/waker'

export type { HubObserver, Outcome } from './chat-pairing'

export interface ChatRulesConfig {
  repairCooldownMs: number
  abuseStrikesBeforeClose: number
  /** A blocked pair of addresses is not paired again for this long. */
  blockSeconds: number
  /** TURN relays: empty = video is off (a video find is refused with video_unavailable). */
  turnUrls: readonly string[]
}

/** `block` right after a chat still applies to it for this long (like a report). */
export const BLOCK_AFTER_MS = 5 * 60_000
/** A `next` this soon after being matched is a skip; many of them raise the address's risk. */
const QUICK_SKIP_MS = 3000
/** Skipping fast is also what people do; only a habit of it counts (and people share addresses). */
const QUICK_SKIPS_PER_NOTE = 5

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
  /** Frames to a session's own socket (outbound.ts). */
  outbound: Outbound
  /** Web Push on a match for a side whose socket is gone (chat-pairing.ts). */
  waker?: MatchWaker
}

const MAX_COUNTED_INTERESTS = 64

type Languages = { languages: string[]; anyLanguage: boolean }

export type ChatRules = ReturnType<typeof createChatRules>

export function createChatRules(deps: ChatRulesDeps) {
  const { config, backend, queue, guard, popular, log, metrics, observers, now } = deps
  const relayed = metrics.counter('messages_relayed_total')
  // Screening is by time since the match: texts of a chat's first screenMs go to the spam gate.
  const screenMs = guard.screenText ? (guard.screenTextMs ?? 0) : 0
  const { sendTo, refuse, relayRefused } = createRefusals(deps)
  const { apply, onMatch, endChat, endLocal, expired } = createPairing(deps)
  const { slowText } = createRelay({ ...deps, refuse })
  const rtc = createRtcRelay({ ...deps, refuse })

  function enqueue(s: LocalSession, pool = 'main') {
    s.state = 'queued'
    s.epoch++
    backend.save(s)
    // Through the backend like every frame for a session: on several nodes an `ended` pushed
    // just before must reach the client first.
    backend.send(s.id, encodeEphemeral({ type: 'queued', interests: s.interests, random: s.random, languages: s.languages, ...(s.video && { video: true as const }) }))
    void queue
      .enqueue({ id: s.id, interests: s.interests, random: s.random, ipHash: s.ipHash, pool, languages: s.languages, anyLanguage: s.anyLanguage, video: s.video })
      .catch(err => {
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

  /** `langs` defaults to the session's own (next, a proof, a resume keep them). */
  async function find(s: LocalSession, conn: Connection, interests: string[], random: boolean, video: boolean, record = true, langs: Languages = s) {
    if (interests.length === 0 && !random) {
      return refuse(s, conn, { code: 'bad_frame', message: 'find: give at least one interest or allow random strangers' })
    }
    // Refused before anything changes: the current chat (if any) goes on.
    if (video && config.turnUrls.length === 0) return refuse(s, conn, { code: 'video_unavailable', message: 'find: this server has no video relays (hello said video: false)' })
    if (s.chat && now() - s.chat.startedAt < QUICK_SKIP_MS && ++s.quickSkips % QUICK_SKIPS_PER_NOTE === 0) guard.noteRisk?.(s.ipHash, 'skip')
    endLocal(s, { by: 'you', reason: 'next' }, { by: 'stranger', reason: 'next' })
    leaveQueue(s)
    s.interests = interests
    s.random = random
    s.languages = langs.languages
    s.anyLanguage = langs.anyLanguage
    s.video = video
    s.awaitingProof = false
    const epoch = ++s.epoch
    let refusal: Refusal | null
    let pool = 'main'
    const ctx = { sessionId: s.id, ipHash: s.ipHash }
    try {
      ;[refusal, pool] = await Promise.all([guard.checkFind(ctx), guard.poolFor?.(ctx) ?? 'main', backend.created?.(s.id)])
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
      popular.record(s.ipHash, fresh, s.languages)
    }
    enqueue(s, pool)
  }

  /** A proof of work answering the challenge of the last find: accepted, that find runs now. */
  async function proof(s: LocalSession, conn: Connection, token: string, nonce: string) {
    const r = guard.checkProof
      ? await guard.checkProof({ sessionId: s.id, ipHash: s.ipHash }, token, nonce)
      : { code: 'bad_proof' as const, message: 'proof: no proof of work is asked for here' }
    if (s.conn !== conn) return
    if (r) return refuse(s, conn, r)
    if (!s.awaitingProof || s.state !== 'idle') return
    return find(s, conn, s.interests, s.random, s.video)
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

  // ---------- frames ----------

  function onFrame(s: LocalSession, conn: Connection, frame: ClientFrame): void | Promise<void> {
    switch (frame.type) {
      case 'text': {
        const chat = s.chat
        const at = now()
        // The hot path, as before screening existed: nothing held back, past the screened start.
        if (chat && s.textGate === null && at - chat.startedAt >= screenMs) {
          backend.relayText(s, chat.partnerId, frame.id, frame.body, at, frame.replyTo)
          relayed.inc()
          for (const o of observers) o.onText?.(chat.id, s.id, frame.body, at)
          return
        }
        return slowText(s, conn, frame.id, frame.body, frame.replyTo)
      }
      case 'seen':
        // Relayed only when it newly covers a text (so at most one per text), sequenced for the
        // partner; a seq never sent comes back through the inbox (badAck).
        return backend.seen(s, frame.seq)
      case 'typing':
        // Typing state is ephemeral: dropped when there is no live partner to show it to.
        if (s.chat) backend.send(s.chat.partnerId, frame.active ? TYPING_ON : TYPING_OFF)
        return
      case 'ack':
        // A seq never sent comes back through the inbox (badAck), at once or from the store.
        return backend.ack(s, frame.seq)
      case 'find':
        return find(s, conn, frame.interests, frame.random, frame.video === true, true, { languages: frame.languages ?? [], anyLanguage: frame.anyLanguage === true })
      case 'next':
        return find(s, conn, s.interests, s.random, s.video)
      case 'leave':
        if (!endLocal(s, { by: 'you', reason: 'left' }, { by: 'stranger', reason: 'left' })) leaveQueue(s)
        s.epoch++
        s.awaitingProof = false
        return
      case 'block':
        return block(s, conn)
      case 'proof':
        return proof(s, conn, frame.token, frame.nonce)
      case 'rtc':
        return rtc.onRtc(s, conn, frame)
    }
  }

  return { apply, onMatch, endChat, endLocal, enqueue, leaveQueue, find, onFrame, expired, refuse, relayRefused, sendTo }
}

const TYPING_ON = encodeEphemeral({ type: 'typing', active: true })
const TYPING_OFF = encodeEphemeral({ type: 'typing', active: false })
