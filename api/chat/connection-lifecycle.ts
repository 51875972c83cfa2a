// A connection's life on this node: hello (a new session, or a resume with its replay and both
// sides told the partner's state), frames in (parsed, the session's rate limit, handed to the
// rules), the close (a goodbye ends the chat and forgets the session, a drop waits out the resume
// window) and, at shutdown, every socket told and closed. What a frame means is chat-rules.ts; who
// else hears of it goes through the backend; the hub (hub.ts) routes the backend's and the
// queue's events.
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import { newSessionToken } from '../ids'
import type { ChatRules } from './chat-rules'
import type { Connection } from './connection'
import type { ChatGuard } from './guard'
import type { HeldByAddress } from './held-by-address'
import type { Outbound } from './outbound'
import type { ChatBackend } from './ports/chat-backend'
import type { MatchQueue } from './ports/match-queue'
import { createFrameParser, encodeEphemeral, type Limits } from './protocol'
import { moveSession, type LocalSession } from './session'

export interface ConnectionLifecycleConfig {
  /** Empty: video is off (hello says so). */
  turnUrls: readonly string[]
  videoScreening: 'on' | 'off'
  /** The photo screen's threshold, told to video clients (they screen the stranger's picture with it). */
  screenThreshold: number
  maxTextLength: number
  maxFrameBytes: number
  maxUploadBytes: number
  mediaLinkTtlSeconds: number
}

export interface ConnectionLifecycleDeps {
  config: ConnectionLifecycleConfig
  backend: ChatBackend
  queue: Pick<MatchQueue, 'remove'>
  guard: Pick<ChatGuard, 'checkFrame' | 'releaseConnection'>
  rules: Pick<ChatRules, 'find' | 'onFrame' | 'refuse' | 'endLocal' | 'sendTo'>
  outbound: Pick<Outbound, 'json'>
  /** Sessions held per address (the hub releases them too, on expiry and take-over). */
  held: Pick<HeldByAddress, 'hold' | 'release'>
  log: Logger
  metrics: Metrics
}

export type ConnectionLifecycle = ReturnType<typeof createConnectionLifecycle>

export function createConnectionLifecycle(deps: ConnectionLifecycleDeps) {
  const { config, backend, queue, guard, rules, log, metrics } = deps
  const { hold, release } = deps.held
  const { sendTo } = rules
  const sendJson = deps.outbound.json
  const parse = createFrameParser(config)
  const limits: Limits = { maxTextLength: config.maxTextLength, maxUploadBytes: config.maxUploadBytes, mediaTtlSeconds: config.mediaLinkTtlSeconds }
  const video = { video: config.turnUrls.length > 0, videoScreening: config.videoScreening, videoScreenThreshold: config.screenThreshold }
  // Counted on every frame: a handle, not a name lookup.
  const framesIn = metrics.counter('frames_in_total')
  // On one node a dropped socket's session stays in memory until it expires; with Redis it
  // leaves this node's memory at once (it is held in Redis, and expiry may run on any node).
  const heldUntilExpiry = backend.holdsDetached
  let connected = 0
  let closing = false
  /** Resolved when the last socket has closed during shutdown. */
  let allClosed: (() => void) | null = null

  function open(conn: Connection, resumeId: string | null): LocalSession {
    connected++
    metrics.inc('connections_total')
    const existing = resumeId ? backend.local(resumeId) : undefined
    if (!existing) {
      hold(conn.info.ipHash)
      const s = backend.create(newSessionToken(), conn.info.ipHash)
      s.conn = conn
      sendTo(conn, { type: 'hello', session: s.id, resumed: false, online: backend.online(), limits, ...video })
      return s
    }
    const s = existing
    if (s.conn && s.conn !== conn) {
      const old = s.conn
      s.conn = null
      old.close(4001, 'resumed on another connection')
    }
    s.conn = conn
    if (!heldUntilExpiry) hold(conn.info.ipHash)
    else if (s.ipHash !== conn.info.ipHash) {
      release(s.ipHash)
      hold(conn.info.ipHash)
    }
    moveSession(s, conn.info.ipHash)
    s.strikes = 0
    const replay = backend.attach(s)
    sendTo(conn, { type: 'hello', session: s.id, resumed: true, online: backend.online(), limits, ...video })
    for (const json of replay) sendJson(conn, json)
    if (s.chat) {
      const partner = s.chat.partnerId
      // Both sides learn the partner's state: the resumer may have missed a drop and return.
      const tell = (there: boolean) => {
        if (s.conn !== conn) return
        if (there) {
          backend.send(partner, PARTNER_BACK)
          sendJson(conn, PARTNER_BACK)
        } else sendJson(conn, PARTNER_RECONNECTING)
      }
      backend.connected(partner).then(tell, () => tell(false))
    }
    if (s.requeue && s.state === 'idle') {
      s.requeue = false
      // Through find(), not straight into the queue: a ban made while it was away must hold.
      rules.find(s, conn, s.interests, s.random, s.video, false).catch(err => frameFailed(conn, { type: 'find' }, err))
    } else if (s.state === 'queued') {
      // Taken over from a live socket while waiting: the new socket has not been told.
      sendTo(conn, { type: 'queued', interests: s.interests, random: s.random, languages: s.languages, ...(s.video && { video: true as const }) })
    }
    backend.save(s)
    metrics.inc('resumes_total')
    return s
  }

  function message(conn: Connection, s: LocalSession | null, raw: string | Uint8Array) {
    if (!s || closing || s.conn !== conn) return
    framesIn.inc()
    const r = parse(raw)
    if (!r.ok) return rules.refuse(s, conn, r)
    const refusal = guard.checkFrame(s.frameCtx, r.frame)
    if (refusal) {
      metrics.inc('rate_limited_total', { frame: r.frame.type })
      return rules.refuse(s, conn, r.frame.type === 'text' ? { ...refusal, id: r.frame.id } : refusal)
    }
    try {
      const p = rules.onFrame(s, conn, r.frame)
      if (p) p.catch(err => frameFailed(conn, r.frame, err))
    } catch (err) {
      frameFailed(conn, r.frame, err)
    }
  }

  function frameFailed(conn: Connection, frame: { type: string; id?: string }, err: unknown) {
    log.error('frame handler failed', { err, type: frame.type })
    sendTo(conn, { type: 'error', code: 'internal', message: 'the server could not handle that frame', ...(frame.type === 'text' && frame.id !== undefined && { id: frame.id }) })
  }

  function close(conn: Connection, s: LocalSession | null, code: number) {
    connected--
    if (connected === 0) allClosed?.()
    guard.releaseConnection(conn.info)
    if (!s || s.conn !== conn) return
    s.conn = null
    s.epoch++
    // During shutdown the state was already handed on (cache or Redis), outbox included.
    if (closing) return
    // 1000 is a deliberate goodbye from the client: end the chat now instead of making the
    // partner wait out the resume window. Anything else may be a flaky network.
    const isGoodbye = code === 1000
    // A waiter that can be woken by a push stays in the queue through a drop (its phone may have
    // suspended the page): a match then pushes to it. Any other leaves and is re-queued on resume.
    let leftQueue: Promise<boolean> | null = null
    if (s.state === 'queued' && (isGoodbye || !s.wakeable)) {
      leftQueue = queue.remove(s.id).catch(() => false)
      s.state = 'idle'
      s.requeue = true
    }
    if (isGoodbye) return goodbye(s, leftQueue)
    backend.save(s)
    backend.detach(s)
    // Told after the detach: a text the partner sends in reaction must find the session held, so
    // its receipt waits for the resume (on a Redis Cluster the two go to different shards).
    if (s.chat) backend.send(s.chat.partnerId, PARTNER_RECONNECTING)
    if (!heldUntilExpiry) release(s.ipHash)
  }

  /**
   * A goodbye is not resumed: the chat ends (the partner is told `ended`) and nothing of the
   * session is kept (backend.forget), so it costs no memory or Redis for a window nobody waits
   * out; a later resume with its token gets a fresh session. A session that was waiting is
   * forgotten only once the queue says it took it out: a match made meanwhile (on a cluster, by
   * another node) then lands on it held, and its partner is told when the window passes.
   */
  function goodbye(s: LocalSession, leftQueue: Promise<boolean> | null) {
    rules.endLocal(s, null, { by: 'stranger', reason: 'left' })
    s.requeue = false
    if (!leftQueue) {
      backend.forget(s.id)
      release(s.ipHash)
      return
    }
    backend.save(s)
    backend.detach(s)
    if (!heldUntilExpiry) release(s.ipHash)
    void leftQueue.then(removed => {
      // Held in memory until now (one node): its expiry would have released it.
      if (removed && backend.forget(s.id) && heldUntilExpiry) release(s.ipHash)
    })
  }

  return {
    open,
    message,
    close,
    /** Reports a frame (or a find made for the client) that failed inside the server. */
    frameFailed,
    /** Sockets open on this node. */
    get connected() {
      return connected
    },
    get closing() {
      return closing
    },
    /** Shutdown's first step: from now on frames are ignored and closes hand nothing on (the state is being persisted). */
    beginClosing() {
      closing = true
    },
    /**
     * Tells every connected client whether it can resume (`shutdown`) and closes its socket with
     * 1012 (service restart). The promise resolves once the last socket has closed.
     */
    closeAll(resumable: (id: string) => boolean, retryAfterMs: number): Promise<void> {
      const closed = new Promise<void>(resolve => {
        allClosed = resolve
        if (connected === 0) resolve()
      })
      for (const s of [...backend.all()]) {
        if (!s.conn) continue
        sendTo(s.conn, { type: 'shutdown', resumable: resumable(s.id), retryAfterMs })
        s.conn.close(1012, 'server restarting')
      }
      return closed
    },
  }
}

const PARTNER_BACK = encodeEphemeral({ type: 'partner', state: 'back' })
const PARTNER_RECONNECTING = encodeEphemeral({ type: 'partner', state: 'reconnecting' })
