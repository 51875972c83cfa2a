// The chat hub: live sessions, the relay between partners, resume buffers and the online count.
// Everything a session receives goes through `deliver`, the one seam a multi-node setup would
// replace with a broker publish. Sequenced frames stay in the session's outbox until the client
// acknowledges them, so a client that reconnects with ?resume= gets exactly what it missed.
import type { ServerWebSocket } from 'bun'
import type { Cache } from '../cache'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import { newChatId, newSessionToken } from '../ids'
import { limitConcurrency } from './concurrency'
import type { ChatGuard, ConnectionInfo, Refusal } from './guard'
import { createMatchmaker, type Match, type MatchQueue } from './matchmaker'
import type { PopularInterests } from './popular'
import {
  createFrameParser,
  encodeDelivered,
  encodeSequenced,
  encodeText,
  type ClientFrame,
  type EndReason,
  type EndedBy,
  type ErrorCode,
  type Limits,
  type MediaInfo,
  type SequencedFrameInput,
  type ServerFrame,
} from './protocol'

export interface HubConfig {
  maxTextLength: number
  maxFrameBytes: number
  maxUploadBytes: number
  mediaLinkTtlSeconds: number
  matchFallbackMs: number
  repairCooldownMs: number
  resumeWindowMs: number
  resumeBufferFrames: number
  onlineBroadcastMs: number
  abuseStrikesBeforeClose: number
}

export interface WsData extends ConnectionInfo {
  /** Token from ?resume=, if any. */
  resume: string | null
  session: Session | null
  strikes: number
  strikesAt: number
}

type State = 'idle' | 'queued' | 'chatting'

interface Chat {
  id: string
  a: Session
  b: Session
  common: string[]
  startedAt: number
}

interface LastChat {
  id: string
  partnerId: string
  partnerIpHash: string
  endedAt: number
}

interface Session {
  id: string
  ws: ServerWebSocket<WsData> | null
  ipHash: string
  state: State
  interests: string[]
  random: boolean
  /** Was in the queue when the socket dropped: re-queue on resume. */
  requeue: boolean
  /** Bumped by every state change, so a find that awaited the guard can tell it is stale. */
  epoch: number
  chat: Chat | null
  lastChat: LastChat | null
  seq: number
  /**
   * JSON of the sequenced frames not yet acknowledged, oldest first, replayed as is on resume.
   * Seqs are consecutive, so the last one is `seq` and the first is seq - outbox.length + 1.
   */
  outbox: string[]
  /** partner id → ms epoch until which the two are not paired again */
  recent: Map<string, number>
  /**
   * client text id → the delivered frame we answered, so a resent message is not relayed twice.
   * Two generations instead of evicting one by one: deleting from a Map on every message was the
   * most expensive line of the relay. Holds the last SENT_IDS_KEPT to 2 × SENT_IDS_KEPT ids.
   */
  sentIds: Map<string, string> | null
  sentIdsOld: Map<string, string> | null
  /** Interests this session already counted towards `popular`: one person counts once. */
  counted: Set<string>
  expiry: ReturnType<typeof setTimeout> | null
}

/** What other modules (tRPC, uploads, reports) may know about a session. */
export interface SessionView {
  id: string
  ipHash: string
  connected: boolean
  state: State
  chat: { id: string; partnerId: string; partnerIpHash: string; common: string[] } | null
  lastChat: LastChat | null
}

export interface HubObserver {
  onText?(chatId: string, fromSessionId: string, body: string, at: number): void
  onChatEnded?(chatId: string, reason: EndReason): void
}

export interface HubDeps {
  config: HubConfig
  cache: Cache
  guard: ChatGuard
  log: Logger
  metrics: Metrics
  popular: PopularInterests
  now?: () => number
}

interface Snapshot {
  id: string
  ipHash: string
  state: State
  interests: string[]
  random: boolean
  requeue: boolean
  chat: { id: string; partner: string; common: string[]; startedAt: number } | null
  lastChat: LastChat | null
  seq: number
  /** JSON of unacknowledged frames. */
  outbox: string[]
  recent: Array<[string, number]>
  /** Client text ids already relayed, so a resend after a restart is not relayed twice. */
  sent: Array<[string, string]>
}

const SENT_IDS_KEPT = 256
const MAX_COUNTED_INTERESTS = 64
/** Cache calls in flight at once for restores and shutdown saves (see concurrency.ts). */
const CACHE_CONCURRENCY = 32
const cacheKey = (id: string) => `leetchat:s:${id}`

export type Hub = ReturnType<typeof createHub>

export function createHub(deps: HubDeps) {
  const { config, cache, guard, log, metrics, popular } = deps
  const now = deps.now ?? Date.now
  const parse = createFrameParser(config)
  const sessions = new Map<string, Session>()
  const observers: HubObserver[] = []
  const limits: Limits = {
    maxTextLength: config.maxTextLength,
    maxUploadBytes: config.maxUploadBytes,
    mediaTtlSeconds: config.mediaLinkTtlSeconds,
  }
  // Snapshots only help when the cache outlives this process.
  const persistent = cache.kind !== 'memory'
  const snapshotTtl = Math.ceil(config.resumeWindowMs / 1000) + 30
  const bulk = limitConcurrency(CACHE_CONCURRENCY)

  let connected = 0
  let chats = 0
  let lastOnlineSent = -1
  let closing = false
  /** Resolved when the last socket has closed during shutdown. */
  let allClosed: (() => void) | null = null

  const matchmaker: MatchQueue = createMatchmaker({
    fallbackMs: config.matchFallbackMs,
    cooldownUntil: (a, b) => sessions.get(a)?.recent.get(b) ?? 0,
    onMatch,
    onFallback(id) {
      const s = sessions.get(id)
      if (s?.ws) send(s.ws, { type: 'queued', interests: s.interests, random: s.random, fallback: true })
    },
    now,
  })

  const onlineTimer = setInterval(broadcastOnline, config.onlineBroadcastMs)

  // ---------- sending ----------

  function send(ws: ServerWebSocket<WsData>, frame: ServerFrame) {
    sendJson(ws, JSON.stringify(frame))
  }

  function sendJson(ws: ServerWebSocket<WsData>, json: string) {
    ws.send(json)
    metrics.inc('frames_out_total')
  }

  /** The delivery seam: every frame for a session goes through here. */
  function deliver(id: string, frame: SequencedFrameInput | ServerFrame) {
    const s = sessions.get(id)
    if (s) deliverTo(s, frame)
  }

  function deliverTo(s: Session, frame: SequencedFrameInput | ServerFrame) {
    if (isSequenced(frame)) pushSequenced(s, encodeSequenced(frame, ++s.seq))
    else if (s.ws) send(s.ws, frame as ServerFrame)
  }

  /** Keeps a sequenced frame (its seq already taken) until acknowledged, and sends it if connected. */
  function pushSequenced(s: Session, json: string) {
    s.outbox.push(json)
    // A client that never acks must not grow memory without bound; it loses the oldest replay.
    if (s.outbox.length > config.resumeBufferFrames) s.outbox.shift()
    if (s.ws) sendJson(s.ws, json)
  }

  function isSequenced(f: { type: string }): f is SequencedFrameInput {
    return f.type === 'matched' || f.type === 'text' || f.type === 'delivered' || f.type === 'media' || f.type === 'ended'
  }

  function refuse(ws: ServerWebSocket<WsData>, r: { code: ErrorCode; message: string; retryAfterMs?: number }) {
    send(ws, { type: 'error', code: r.code, message: r.message, ...(r.retryAfterMs !== undefined && { retryAfterMs: r.retryAfterMs }) })
    metrics.inc('errors_total', { code: r.code })
    // Strikes decay by one a second: a burst of mistakes is fine, sustained abuse is not.
    const d = ws.data
    const t = now()
    d.strikes = Math.max(0, d.strikes - (t - d.strikesAt) / 1000) + 1
    d.strikesAt = t
    if (d.strikes > config.abuseStrikesBeforeClose) {
      log.warn('closing abusive socket', { ipHash: d.ipHash, code: r.code })
      ws.close(1008, 'too many bad frames')
    }
  }

  // A loop over live sessions rather than a pub/sub topic: a socket subscribed to any topic pays
  // on every send (Bun must keep topic and direct frames in order), and this runs at most once
  // per ONLINE_BROADCAST_MS, only when the count changed.
  function broadcastOnline() {
    if (connected === lastOnlineSent) return
    lastOnlineSent = connected
    const json = JSON.stringify({ type: 'online', count: connected })
    for (const s of sessions.values()) if (s.ws) sendJson(s.ws, json)
  }

  // ---------- chats ----------

  const partnerOf = (s: Session): Session | null => (s.chat ? (s.chat.a === s ? s.chat.b : s.chat.a) : null)

  function onMatch(m: Match) {
    const a = sessions.get(m.a)
    const b = sessions.get(m.b)
    if (!a || !b) return
    const chat: Chat = { id: newChatId(), a, b, common: m.common, startedAt: now() }
    for (const s of [a, b]) {
      s.state = 'chatting'
      s.chat = chat
      s.epoch++
      // Message ids are the client's: one that restarts its counter per chat must not have its
      // first messages taken for resends from the last chat.
      s.sentIds = s.sentIdsOld = null
    }
    chats++
    metrics.inc('matches_total', { kind: m.random ? 'random' : 'interest' })
    deliver(a.id, { type: 'matched', chat: chat.id, common: m.common })
    deliver(b.id, { type: 'matched', chat: chat.id, common: m.common })
  }

  /** Ends s's chat: s is told `mine`, the partner `theirs`. */
  function endChat(s: Session, mine: { by: EndedBy; reason: EndReason } | null, theirs: { by: EndedBy; reason: EndReason }) {
    const chat = s.chat
    if (!chat) return
    const p = partnerOf(s)!
    const t = now()
    for (const [x, other] of [
      [s, p],
      [p, s],
    ] as const) {
      x.state = 'idle'
      x.chat = null
      x.epoch++
      x.lastChat = { id: chat.id, partnerId: other.id, partnerIpHash: other.ipHash, endedAt: t }
      x.recent.set(other.id, t + config.repairCooldownMs)
      pruneRecent(x, t)
    }
    chats--
    metrics.inc('chats_ended_total', { reason: theirs.reason })
    if (mine) deliver(s.id, { type: 'ended', ...mine })
    deliver(p.id, { type: 'ended', ...theirs })
    for (const o of observers) o.onChatEnded?.(chat.id, theirs.reason)
  }

  function pruneRecent(s: Session, t: number) {
    if (s.recent.size < 32) return
    for (const [k, until] of s.recent) if (until <= t) s.recent.delete(k)
  }

  function queue(s: Session) {
    s.state = 'queued'
    s.epoch++
    if (s.ws) send(s.ws, { type: 'queued', interests: s.interests, random: s.random })
    matchmaker.enqueue({ id: s.id, interests: s.interests, random: s.random })
  }

  function leaveQueue(s: Session) {
    if (s.state !== 'queued') return
    matchmaker.remove(s.id)
    s.state = 'idle'
    s.epoch++
  }

  async function find(s: Session, ws: ServerWebSocket<WsData>, interests: string[], random: boolean, record = true) {
    if (interests.length === 0 && !random) {
      return refuse(ws, { code: 'bad_frame', message: 'find: give at least one interest or allow random strangers' })
    }
    if (s.state === 'chatting') endChat(s, { by: 'you', reason: 'next' }, { by: 'stranger', reason: 'next' })
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
    if (epoch !== s.epoch || s.ws !== ws) return
    if (refusal) return refuse(ws, refusal)
    if (record) {
      const fresh = interests.filter(i => !s.counted.has(i))
      // Bounded: a session that keeps changing interests stops counting, it does not grow.
      if (s.counted.size < MAX_COUNTED_INTERESTS) for (const i of fresh) s.counted.add(i)
      else fresh.length = 0
      popular.record(fresh)
    }
    queue(s)
  }

  // ---------- frames ----------

  function onFrame(ws: ServerWebSocket<WsData>, s: Session, frame: ClientFrame) {
    switch (frame.type) {
      case 'find':
        void find(s, ws, frame.interests, frame.random)
        return
      case 'next':
        void find(s, ws, s.interests, s.random)
        return
      case 'leave':
        if (s.state === 'chatting') endChat(s, { by: 'you', reason: 'left' }, { by: 'stranger', reason: 'left' })
        else leaveQueue(s)
        s.epoch++
        return
      case 'typing': {
        // Typing state is ephemeral: dropped when there is no live partner to show it to.
        const p = partnerOf(s)
        if (p?.ws) send(p.ws, { type: 'typing', active: frame.active })
        return
      }
      case 'text': {
        // A resend of an accepted message (e.g. after a resume, maybe after the chat ended) is
        // answered with the original receipt, never relayed twice.
        const dup = s.sentIds?.get(frame.id) ?? s.sentIdsOld?.get(frame.id)
        if (dup !== undefined) return sendJson(ws, dup)
        const p = partnerOf(s)
        if (!p) return refuse(ws, { code: 'not_in_chat', message: 'you are not in a chat' })
        const at = now()
        // The hot path: frames written straight to JSON, same as deliverTo would.
        pushSequenced(p, encodeText(frame.body, at, ++p.seq))
        const receipt = encodeDelivered(frame.id, at, ++s.seq)
        pushSequenced(s, receipt)
        if (!s.sentIds || s.sentIds.size >= SENT_IDS_KEPT) {
          s.sentIdsOld = s.sentIds
          s.sentIds = new Map()
        }
        s.sentIds.set(frame.id, receipt)
        metrics.inc('messages_relayed_total')
        for (const o of observers) o.onText?.(s.chat!.id, s.id, frame.body, at)
        return
      }
      case 'ack': {
        if (frame.seq > s.seq) return refuse(ws, { code: 'bad_frame', message: `ack: seq ${frame.seq} has not been sent yet (latest is ${s.seq})` })
        const drop = Math.min(s.outbox.length, frame.seq - (s.seq - s.outbox.length))
        if (drop > 0) s.outbox.splice(0, drop)
        return
      }
    }
  }

  // ---------- sessions ----------

  function newSession(ipHash: string): Session {
    return {
      id: newSessionToken(),
      ws: null,
      ipHash,
      state: 'idle',
      interests: [],
      random: true,
      requeue: false,
      epoch: 0,
      chat: null,
      lastChat: null,
      seq: 0,
      outbox: [],
      recent: new Map(),
      sentIds: null,
      sentIdsOld: null,
      counted: new Set(),
      expiry: null,
    }
  }

  function expire(s: Session) {
    s.expiry = null
    if (s.ws) return
    if (s.chat) endChat(s, null, { by: 'server', reason: 'timeout' })
    leaveQueue(s)
    sessions.delete(s.id)
  }

  /**
   * Snapshots are written only by a graceful shutdown, when nothing can change afterwards. One
   * taken mid-chat would be behind on `seq` and the outbox, and since clients drop frames whose
   * seq they have seen, restoring it would silently lose messages; after a crash nothing resumes.
   */
  function toSnapshot(s: Session): Snapshot {
    const p = partnerOf(s)
    return {
      id: s.id,
      ipHash: s.ipHash,
      state: s.state,
      interests: s.interests,
      random: s.random,
      requeue: s.requeue || s.state === 'queued',
      chat: s.chat && p ? { id: s.chat.id, partner: p.id, common: s.chat.common, startedAt: s.chat.startedAt } : null,
      lastChat: s.lastChat,
      seq: s.seq,
      outbox: s.outbox,
      recent: [...s.recent],
      sent: [...(s.sentIdsOld ?? []), ...(s.sentIds ?? [])],
    }
  }

  async function loadSnapshot(id: string): Promise<Snapshot | null> {
    const raw = await bulk(() => cache.get(cacheKey(id)))
    if (!raw) return null
    try {
      return JSON.parse(raw) as Snapshot
    } catch {
      return null
    }
  }

  function fromSnapshot(snap: Snapshot): Session {
    const s = newSession(snap.ipHash)
    s.id = snap.id
    s.interests = snap.interests
    s.random = snap.random
    s.requeue = snap.requeue
    s.lastChat = snap.lastChat
    s.seq = snap.seq
    s.outbox = snap.outbox
    s.recent = new Map(snap.recent)
    s.sentIds = snap.sent.length ? new Map(snap.sent) : null
    sessions.set(s.id, s)
    s.expiry = setTimeout(() => expire(s), config.resumeWindowMs)
    // Used once: this process now owns the session, and a stale copy must never come back later.
    void cache.delete(cacheKey(s.id))
    return s
  }

  /**
   * Brings a session (and its chat partner) back from the shared cache after a graceful restart.
   * Called before the upgrade, so `open` stays synchronous. After a crash there is no full
   * snapshot: the client gets a fresh session (hello resumed: false), never a chat with holes.
   */
  async function restore(id: string): Promise<boolean> {
    if (sessions.has(id)) return true
    if (!persistent || !/^[\w-]{16,64}$/.test(id)) return false
    const snap = await loadSnapshot(id)
    if (!snap || sessions.has(id)) return sessions.has(id)
    const s = fromSnapshot(snap)
    if (snap.chat) {
      let p = sessions.get(snap.chat.partner)
      if (!p) {
        const ps = await loadSnapshot(snap.chat.partner)
        p = sessions.get(snap.chat.partner) ?? (ps && ps.chat?.id === snap.chat.id ? fromSnapshot(ps) : undefined)
      }
      if (p && (!p.chat || p.chat.id === snap.chat.id)) {
        const chat: Chat = p.chat ?? { id: snap.chat.id, a: s, b: p, common: snap.chat.common, startedAt: snap.chat.startedAt }
        if (!p.chat) chats++
        s.chat = p.chat = chat
        s.state = p.state = 'chatting'
      } else {
        // The partner's state is gone: the chat cannot continue.
        s.lastChat = { id: snap.chat.id, partnerId: snap.chat.partner, partnerIpHash: '', endedAt: now() }
        deliver(s.id, { type: 'ended', by: 'server', reason: 'timeout' })
      }
    }
    log.info('session restored from cache', { chat: Boolean(s.chat) })
    return true
  }

  // ---------- websocket handlers ----------

  const websocket = {
    // A frame above this closes the socket (1009) unparsed; below it, our own limit answers with
    // an error frame and keeps the socket, as the contract asks.
    maxPayloadLength: Math.max(config.maxFrameBytes * 4, 64 * 1024),
    backpressureLimit: 1024 * 1024,
    closeOnBackpressureLimit: true,
    idleTimeout: 120,
    sendPings: true,

    open(ws: ServerWebSocket<WsData>) {
      const d = ws.data
      connected++
      metrics.inc('connections_total')
      const existing = d.resume ? sessions.get(d.resume) : undefined
      if (existing) {
        if (existing.ws && existing.ws !== ws) {
          const old = existing.ws
          old.data.session = null
          old.close(4001, 'resumed on another connection')
        }
        if (existing.expiry) clearTimeout(existing.expiry)
        existing.expiry = null
        existing.ws = ws
        existing.ipHash = d.ipHash
        d.session = existing
        send(ws, { type: 'hello', session: existing.id, resumed: true, online: connected, limits })
        for (const json of existing.outbox) sendJson(ws, json)
        const p = partnerOf(existing)
        if (p) {
          // Both sides learn the partner's state: the resumer may have missed a drop and return.
          if (p.ws) {
            send(p.ws, { type: 'partner', state: 'back' })
            send(ws, { type: 'partner', state: 'back' })
          } else send(ws, { type: 'partner', state: 'reconnecting' })
        }
        if (existing.requeue && existing.state === 'idle') {
          existing.requeue = false
          // Through find(), not straight into the queue: a ban made while it was away must hold.
          void find(existing, ws, existing.interests, existing.random, false)
        } else if (existing.state === 'queued') {
          // Taken over from a live socket while waiting: the new socket has not been told.
          send(ws, { type: 'queued', interests: existing.interests, random: existing.random })
        }
        metrics.inc('resumes_total')
        return
      }
      const s = newSession(d.ipHash)
      s.ws = ws
      d.session = s
      sessions.set(s.id, s)
      send(ws, { type: 'hello', session: s.id, resumed: false, online: connected, limits })
    },

    message(ws: ServerWebSocket<WsData>, message: string | Buffer) {
      const s = ws.data.session
      if (!s || closing) return
      metrics.inc('frames_in_total')
      const r = parse(message)
      if (!r.ok) return refuse(ws, r)
      const refusal = guard.checkFrame({ sessionId: s.id, ipHash: s.ipHash }, r.frame)
      if (refusal) {
        metrics.inc('rate_limited_total', { frame: r.frame.type })
        return refuse(ws, refusal)
      }
      try {
        onFrame(ws, s, r.frame)
      } catch (err) {
        log.error('frame handler failed', { err, type: r.frame.type })
        send(ws, { type: 'error', code: 'internal', message: 'the server could not handle that frame' })
      }
    },

    close(ws: ServerWebSocket<WsData>, code: number) {
      connected--
      if (connected === 0) allClosed?.()
      guard.releaseConnection(ws.data)
      const s = ws.data.session
      ws.data.session = null
      if (!s || s.ws !== ws) return
      s.ws = null
      s.epoch++
      // During shutdown the state was already written to the cache, outbox included.
      if (closing) return
      if (s.state === 'queued') {
        matchmaker.remove(s.id)
        s.state = 'idle'
        s.requeue = true
      }
      // 1000 is a deliberate goodbye from the client: end the chat now instead of making the
      // partner wait out the resume window. Anything else may be a flaky network.
      if (code === 1000) {
        if (s.chat) endChat(s, null, { by: 'stranger', reason: 'left' })
        s.requeue = false
      } else {
        const p = partnerOf(s)
        if (p?.ws) send(p.ws, { type: 'partner', state: 'reconnecting' })
      }
      s.expiry = setTimeout(() => expire(s), config.resumeWindowMs)
    },
  }

  // ---------- public surface ----------

  function view(s: Session): SessionView {
    const p = partnerOf(s)
    return {
      id: s.id,
      ipHash: s.ipHash,
      connected: s.ws !== null,
      state: s.state,
      chat: s.chat && p ? { id: s.chat.id, partnerId: p.id, partnerIpHash: p.ipHash, common: s.chat.common } : null,
      lastChat: s.lastChat,
    }
  }

  return {
    websocket,
    restore,
    session(id: string): SessionView | null {
      const s = sessions.get(id)
      return s ? view(s) : null
    },
    /** Sends the `media` frame to both sides; false when that chat is no longer open. */
    shareMedia(uploaderId: string, chatId: string, media: MediaInfo): boolean {
      const s = sessions.get(uploaderId)
      const p = s && partnerOf(s)
      if (!s || !p || s.chat?.id !== chatId) return false
      deliver(s.id, { type: 'media', from: 'you', media })
      deliver(p.id, { type: 'media', from: 'stranger', media })
      return true
    },
    /** Ends a session's chat on the server's initiative (reports, bans). */
    endChat(id: string, mine: { by: EndedBy; reason: EndReason } | null, theirs: { by: EndedBy; reason: EndReason }): boolean {
      const s = sessions.get(id)
      if (!s?.chat) return false
      endChat(s, mine, theirs)
      return true
    },
    /** Takes a session out of the queue (and forgets to re-queue it on resume), e.g. on a ban. */
    leaveQueue(id: string): boolean {
      const s = sessions.get(id)
      if (!s) return false
      const was = s.state === 'queued' || s.requeue
      leaveQueue(s)
      s.requeue = false
      s.epoch++
      return was
    },
    /** Sends an error frame to a session, e.g. to tell a banned client why. */
    notify(id: string, code: ErrorCode, message: string, retryAfterMs?: number) {
      deliver(id, { type: 'error', code, message, ...(retryAfterMs !== undefined && { retryAfterMs }) })
    },
    /** Every live session id with the given ip hash (bans act on all of them). */
    sessionsByIpHash(ipHash: string): string[] {
      const out: string[] = []
      for (const s of sessions.values()) if (s.ipHash === ipHash) out.push(s.id)
      return out
    },
    observe(o: HubObserver) {
      observers.push(o)
    },
    stats() {
      return { connected, sessions: sessions.size, chats, waiting: matchmaker.size, waitingByInterestCount: matchmaker.countsByInterestCount() }
    },
    get online() {
      return connected
    },
    get closing() {
      return closing
    },
    /**
     * Graceful shutdown: every session is written to the cache with its unacked frames (only when
     * the cache outlives this process), every client is told whether it can resume after the
     * restart, and sockets are closed with 1012 (service restart). Resolves once every socket has
     * closed or `closeWaitMs` has passed, so the goodbye frames are flushed before the process exits.
     */
    async shutdown(opts: { retryAfterMs?: number; closeWaitMs?: number } = {}) {
      const retryAfterMs = opts.retryAfterMs ?? 1000
      closing = true
      clearInterval(onlineTimer)
      // Only a session whose state (and partner's) reached the cache can be promised a resume.
      const saved = new Set<string>()
      if (persistent) {
        await Promise.all(
          [...sessions.values()].map(async s => {
            if (await bulk(() => cache.set(cacheKey(s.id), JSON.stringify(toSnapshot(s)), snapshotTtl))) saved.add(s.id)
          }),
        )
        // With the in-process cache nothing is expected to survive; only a failed save is news.
        const lost = sessions.size - saved.size
        if (lost > 0) log.warn('sessions not saved for resume', { sessions: lost, cache: cache.kind })
      }
      const closed = new Promise<void>(resolve => {
        allClosed = resolve
        if (connected === 0) resolve()
      })
      for (const s of sessions.values()) {
        if (s.expiry) clearTimeout(s.expiry)
        if (!s.ws) continue
        // A chat resumes only if both sides' state made it to the cache.
        const p = partnerOf(s)
        const resumable = saved.has(s.id) && (!p || saved.has(p.id))
        send(s.ws, { type: 'shutdown', resumable, retryAfterMs })
        s.ws.close(1012, 'server restarting')
      }
      matchmaker.close()
      const wait = opts.closeWaitMs ?? 1000
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([closed, new Promise<void>(r => (timer = setTimeout(r, wait)))])
      clearTimeout(timer)
    },
  }
}
