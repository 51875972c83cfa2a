// The chat hub: wires the rules (chat-rules.ts) to a backend (one node: local-backend.ts;
// several: cluster/redis-backend.ts) and a match queue, and routes what they report (frames
// arriving for a session, state applied, expiry, take-over, address actions, matches) to the
// sessions this node holds. A connection's own life (hello, resume and replay, frames in,
// goodbye) is connection-lifecycle.ts; socket-adapter.ts turns Bun's WebSocket events into
// those calls.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { ChatGuard } from './guard'
import { createConnectionLifecycle } from './connection-lifecycle'
import { createOutbound } from './outbound'
import { createHeldByAddress } from './held-by-address'
import { startOnlineBroadcast } from './online-broadcast'
import { createChatRules, type HubObserver, type Outcome } from './chat-rules'
import type { AddressAction, ChatBackend } from './ports/chat-backend'
import type { Match, MatchQueue } from './ports/match-queue'
import type { PopularInterests } from './popular'
import type { MatchWaker } from '../push/waker'
import { encodeEphemeral, type ErrorCode, type MediaInfo } from './protocol'
import { viewOf, type LocalSession, type SessionView } from './session'

export type { HubObserver } from './chat-rules'
export type { SessionView } from './session'

export interface HubConfig {
  maxTextLength: number
  maxFrameBytes: number
  maxUploadBytes: number
  mediaLinkTtlSeconds: number
  repairCooldownMs: number
  onlineBroadcastMs: number
  abuseStrikesBeforeClose: number
  blockSeconds: number
  /** Empty: video is off (hello says so). */
  turnUrls: readonly string[]
  videoScreening: 'on' | 'off'
  screenThreshold: number
}

export interface HubDeps {
  config: HubConfig
  backend: ChatBackend
  /** Made by the hub's caller with the hub's match handlers (see `matchEvents`). */
  queue: MatchQueue & { readonly waiting?: number; countsByInterestCount?(): Map<number, number> }
  guard: ChatGuard
  log: Logger
  metrics: Metrics
  popular: PopularInterests
  now?: () => number
  /** Web Push on a match for a side whose socket is gone; made from the backend (it asks who is connected). */
  waker?: (backend: ChatBackend) => MatchWaker
}

/** The callbacks a match queue reports to; bound to a hub once it exists. */
export function matchEvents() {
  let target: { onMatch(m: Match): void; onFallback(id: string): void } | null = null
  return {
    events: { onMatch: (m: Match) => target?.onMatch(m), onFallback: (id: string) => target?.onFallback(id) },
    bind(t: { onMatch(m: Match): void; onFallback(id: string): void }) {
      target = t
    },
  }
}

export type Hub = ReturnType<typeof createHub>

export function createHub(deps: HubDeps) {
  const { config, backend, queue, guard, log, metrics, popular } = deps
  const now = deps.now ?? Date.now
  const observers: HubObserver[] = []
  const outbound = createOutbound(metrics)
  const waker = deps.waker?.(backend)
  const rules = createChatRules({ config, backend, queue, guard, popular, log, metrics, observers, now, outbound, ...(waker && { waker }) })
  const { sendTo } = rules
  const sendJson = outbound.json

  // Sessions this node holds in memory per address (held-by-address.ts).
  const heldByIp = createHeldByAddress()
  const { release } = heldByIp
  // On one node a dropped socket's session stays in memory until it expires; with Redis it
  // leaves this node's memory at once (it is held in Redis, and expiry may run on any node).
  const heldUntilExpiry = backend.holdsDetached
  const connections = createConnectionLifecycle({ config, backend, queue, guard, rules, outbound, held: heldByIp, log, metrics })
  const { frameFailed } = connections

  backend.wire({
    arrive(s, json) {
      sendJson(s.conn!, json)
    },
    apply: rules.apply,
    expired(e) {
      if (heldUntilExpiry) release(e.ipHash)
      rules.expired(e)
    },
    takenOver(s) {
      const old = s.conn
      s.conn = null
      backend.drop(s.id)
      release(s.ipHash)
      old?.close(4001, 'resumed on another connection')
    },
    addressAction(ipHash, action) {
      // A wake names its session: one lookup, not a walk of every session.
      if (action.t === 'wake') {
        const s = backend.local(action.session)
        return void (s?.ipHash === ipHash && (s.wakeable = true))
      }
      for (const s of [...backend.all()]) if (s.ipHash === ipHash) act(s, action)
    },
    interrupted(s) {
      const conn = s.conn
      if (!conn) return
      if (s.chat) rules.endLocal(s, INTERRUPTED, INTERRUPTED)
      else if (s.state === 'queued') {
        // Through find(), as on a resume: bans and the pool are decided again.
        s.state = 'idle'
        rules.find(s, conn, s.interests, s.random, s.video, false).catch(err => frameFailed(conn, { type: 'find' }, err))
      }
    },
    relayRefused: rules.relayRefused,
    badAck(s, message) {
      if (s.conn) rules.refuse(s, s.conn, { code: 'bad_frame', message })
    },
  })

  function act(s: LocalSession, action: AddressAction) {
    if (action.t !== 'ban') return
    rules.endLocal(s, { by: 'server', reason: 'banned' }, { by: 'stranger', reason: 'banned' })
    // A queued (or queued-then-dropped) session must not be matched any more either.
    rules.leaveQueue(s)
    s.requeue = false
    s.epoch++
    backend.save(s)
    if (s.conn) sendTo(s.conn, { type: 'error', code: 'banned', message: action.message, retryAfterMs: action.leftMs })
  }

  function fallbackNotice(id: string) {
    const s = backend.local(id)
    if (s) backend.send(id, encodeEphemeral({ type: 'queued', interests: s.interests, random: s.random, languages: s.languages, fallback: true }))
  }

  const stopOnlineBroadcast = startOnlineBroadcast(backend, outbound, config.onlineBroadcastMs)

  // ---------- public surface ----------

  return {
    open: connections.open,
    message: connections.message,
    close: connections.close,
    /** The match queue reports here (see matchEvents). */
    matchHandlers: { onMatch: rules.onMatch, onFallback: fallbackNotice },
    /** Before an upgrade with ?resume=: makes the session local if it exists anywhere. */
    restore: (id: string) => backend.restore(id),
    /** A session held by this node (tests, metrics); `lookup` finds one anywhere. */
    session(id: string): SessionView | null {
      const s = backend.local(id)
      return s ? viewOf(s) : null
    },
    lookup: (id: string): Promise<SessionView | null> => backend.view(id),
    /** Sends the `media` frame to both sides; false when that chat is no longer open. */
    async shareMedia(uploaderId: string, chatId: string, media: MediaInfo): Promise<boolean> {
      const v = await backend.view(uploaderId)
      if (!v?.chat || v.chat.id !== chatId) return false
      backend.push(uploaderId, { type: 'media', from: 'you', media })
      backend.push(v.chat.partnerId, { type: 'media', from: 'stranger', media })
      return true
    },
    /** Ends a session's chat on the server's initiative (reports). */
    async endChat(id: string, mine: Outcome | null, theirs: Outcome): Promise<boolean> {
      const s = backend.local(id)
      if (s) return rules.endLocal(s, mine, theirs)
      const v = await backend.view(id)
      if (!v?.chat) return false
      rules.endChat(id, v.ipHash, { ...v.chat, startedAt: 0 }, mine, theirs)
      return true
    },
    /** Ends the chats of every session of an address, on every node, and tells them why. */
    banAddress: (ipHash: string, leftMs: number, message: string) => backend.addressAction(ipHash, { t: 'ban', leftMs, message }),
    /** push.subscribe kept a subscription: the session (on whichever node holds it) stays queued through a drop. */
    wake: (id: string, ipHash: string) => backend.addressAction(ipHash, { t: 'wake', session: id }),
    /** Sends an error frame to a session, wherever it is. */
    notify(id: string, code: ErrorCode, message: string, retryAfterMs?: number) {
      backend.send(id, encodeEphemeral({ type: 'error', code, message, ...(retryAfterMs !== undefined && { retryAfterMs }) }))
    },
    /** Sessions this node holds for one address (connected, or on one node also resumable): O(1). */
    heldBy: heldByIp.count,
    /** Session ids of an address held by this node. */
    sessionsByIpHash(ipHash: string): string[] {
      const out: string[] = []
      for (const s of backend.all()) if (s.ipHash === ipHash) out.push(s.id)
      return out
    },
    observe(o: HubObserver) {
      observers.push(o)
    },
    /** Sessions this node holds (connected or waiting for a resume), without walking them. */
    get held() {
      return backend.held
    },
    stats() {
      let held = 0
      let chatting = 0
      for (const s of backend.all()) {
        held++
        if (s.chat) chatting++
      }
      return {
        connected: connections.connected,
        sessions: held,
        chats: Math.round(chatting / 2),
        waiting: queue.waiting ?? 0,
        waitingByInterestCount: queue.countsByInterestCount?.() ?? new Map<number, number>(),
      }
    },
    get online() {
      return connections.connected
    },
    get closing() {
      return connections.closing
    },
    /**
     * Graceful shutdown: sessions handed on with their unacked frames (cache or Redis), every
     * client told whether it can resume after the restart, sockets closed with 1012 (service
     * restart). Resolves once every socket has closed or `closeWaitMs` has passed, so the goodbye
     * frames are flushed before the process exits.
     */
    async shutdown(opts: { retryAfterMs?: number; closeWaitMs?: number } = {}) {
      const retryAfterMs = opts.retryAfterMs ?? 1000
      connections.beginClosing()
      stopOnlineBroadcast()
      const resumable = await backend.persistAll()
      const closed = connections.closeAll(resumable, retryAfterMs)
      queue.close()
      const wait = opts.closeWaitMs ?? 1000
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([closed, new Promise<void>(r => (timer = setTimeout(r, wait)))])
      clearTimeout(timer)
      await backend.close()
    },
  }
}

const INTERRUPTED = { by: 'server', reason: 'interrupted' } as const
