// The one chat WebSocket: reconnects with back-off, resumes the same session (?resume=), drops
// frames it has already seen (by seq), acknowledges in batches, and resends its own texts that
// were never confirmed (same id, so the server answers `delivered` instead of relaying twice).
import type { ClientFrameInput, ErrorCode, HelloFrame, ServerFrame, TextRefusalCode } from '../../../api/chat/protocol'

export type ConnState = 'connecting' | 'open' | 'reconnecting' | 'offline'

export type SocketEvent =
  | { type: 'frame'; frame: ServerFrame }
  | { type: 'state'; state: ConnState }
  /** A session started; `lost` when it replaced one we could not resume (the old chat is gone). */
  | { type: 'session'; hello: HelloFrame; lost: boolean }
  /** The server restarted without keeping sessions: any chat is over. */
  | { type: 'restart' }
  /** This session was taken over by another tab or device (close 4001): stay quiet. */
  | { type: 'replaced' }
  /** The server refused one of our texts (rate limit, spam, bad input): it will not be resent. */
  | { type: 'refused'; id: string; code: ErrorCode }

/** What a tab keeps of its socket across a reload (sessionStorage): enough to resume the same session. */
export interface SocketMemory {
  session: string
  lastSeq: number
  /** own texts not yet confirmed, [id, body, replyTo?], resent with the same id after the resume */
  unconfirmed: Array<[string, string, (number | null)?]>
}

const ACK_DELAY_MS = 1000
const ACK_EVERY = 32
const CONNECT_TIMEOUT_MS = 10_000
const BACKOFF_MS = [300, 1000, 2000, 4000, 8000]
/**
 * Error codes the server answers a refused `text` with: the contract's TEXT_REFUSAL_CODES, by its
 * type (tsc fails if the two differ). Importing the constant itself would pull the protocol
 * module's zod schemas into the initial bundle.
 */
const TEXT_REFUSALS: Record<TextRefusalCode, true> = { rate_limited: true, spam: true, not_in_chat: true, unavailable: true, bad_frame: true, internal: true }
const refusesText = (code: ErrorCode): boolean => Object.hasOwn(TEXT_REFUSALS, code)

export class ChatSocket {
  session: string | null = null
  private ws: WebSocket | null = null
  private state: ConnState = 'connecting'
  private lastSeq = 0
  private ackedSeq = 0
  /** The highest stranger seq shown, and the highest told to the server (`seen`). */
  private seenSeq = 0
  private sentSeen = 0
  private ackTimer: ReturnType<typeof setTimeout> | undefined
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private connectTimer: ReturnType<typeof setTimeout> | undefined
  private attempt = 0
  private nextDelay: number | null = null
  private stopped = true
  /** Own texts not yet confirmed by `delivered`, id → [body, replyTo]: resent on resume. */
  private unconfirmed = new Map<string, [string, (number | null)?]>()
  /** Control frames (find, next, leave) asked for while disconnected; sent once open. */
  private queued: ClientFrameInput[] = []
  /**
   * Texts written on this connection and not yet answered, oldest first. A refusal names its text
   * (`id`); one that does not (an older server, a frame too large to parse) refers to the oldest.
   */
  private inflight: string[] = []

  constructor(
    private readonly url: string,
    private readonly emit: (e: SocketEvent) => void,
    memory?: SocketMemory | null,
  ) {
    if (memory) {
      // A reload: the first connection asks for the same session, and frames the tab already
      // shows (seq ≤ lastSeq) are dropped when the server replays them.
      this.session = memory.session
      this.lastSeq = memory.lastSeq
      this.unconfirmed = new Map(memory.unconfirmed.map(([id, ...text]) => [id, text]))
    }
  }

  /** What to keep for a reload of this tab, or null with no session. */
  memory(): SocketMemory | null {
    return this.session ? { session: this.session, lastSeq: this.lastSeq, unconfirmed: [...this.unconfirmed].map(([id, text]) => [id, ...text]) } : null
  }

  get connected(): boolean {
    return this.state === 'open'
  }

  start() {
    if (!this.stopped) return
    this.stopped = false
    addEventListener('online', this.onOnline)
    addEventListener('offline', this.onOffline)
    document.addEventListener('visibilitychange', this.onVisibility)
    this.connect()
  }

  /** Stops listening and retrying, flushes the pending ack, and hands back the socket to close. */
  private detach(): WebSocket | null {
    this.stopped = true
    removeEventListener('online', this.onOnline)
    removeEventListener('offline', this.onOffline)
    document.removeEventListener('visibilitychange', this.onVisibility)
    clearTimeout(this.retryTimer)
    clearTimeout(this.ackTimer)
    clearTimeout(this.connectTimer)
    this.flushAck()
    const ws = this.ws
    this.ws = null
    return ws
  }

  /** A deliberate goodbye (close 1000): the server ends any chat at once. */
  stop() {
    const ws = this.detach()
    ws?.close(1000, 'bye')
    this.session = null
    this.state = 'connecting' // quietly: the app resets its own view on stop
  }

  /**
   * The page is going away (reload, tab discarded, app switched off): close without a goodbye, so
   * for the server this is a dropped connection and the chat waits for our resume. `start()`
   * (this page back from the cache, or the next page with the same memory) resumes it.
   */
  suspend() {
    if (this.stopped) return
    const ws = this.detach()
    try {
      ws?.close(4000, 'page hidden')
    } catch {
      /* already closing */
    }
    this.state = 'connecting'
  }

  /** find / next / leave: kept until the socket is open, so a tap while reconnecting still counts. */
  control(frame: ClientFrameInput) {
    if (this.connected) this.write(frame)
    else {
      // Only the latest intent matters (find then leave while offline = leave).
      this.queued = [frame]
    }
  }

  /** `replyTo`: the seq of the stranger's text it quotes. */
  text(id: string, body: string, replyTo?: number) {
    this.unconfirmed.set(id, [body, replyTo])
    if (this.connected) this.writeText(id, body, replyTo)
  }

  private writeText(id: string, body: string, replyTo?: number | null) {
    this.inflight.push(id)
    this.write({ type: 'text', id, body, ...(replyTo && { replyTo }) })
  }

  /** Video signalling is ephemeral too: after a reconnect the call starts over with fresh frames. */
  ephemeral(frame: ClientFrameInput) {
    if (this.connected) this.write(frame)
  }

  /** Typing state is ephemeral: dropped when not connected. */
  typing(active: boolean) {
    if (this.connected) this.write({ type: 'typing', active })
  }

  /** Forget texts of a chat that is over: they can no longer be delivered. */
  dropUnconfirmed(): string[] {
    const ids = [...this.unconfirmed.keys()]
    this.unconfirmed.clear()
    this.inflight = []
    return ids
  }

  private write(frame: ClientFrameInput) {
    this.ws?.send(JSON.stringify(frame))
  }

  private setState(s: ConnState) {
    if (this.state === s) return
    this.state = s
    this.emit({ type: 'state', state: s })
  }

  private connect() {
    clearTimeout(this.retryTimer)
    if (this.stopped || this.ws) return
    if (!navigator.onLine) return this.setState('offline')
    const url = this.session ? `${this.url}?resume=${encodeURIComponent(this.session)}` : this.url
    const ws = new WebSocket(url)
    this.ws = ws
    // A socket stuck in CONNECTING (captive portal, half-open network) is abandoned.
    this.connectTimer = setTimeout(() => {
      if (this.ws === ws && ws.readyState === WebSocket.CONNECTING) this.drop(ws)
    }, CONNECT_TIMEOUT_MS)
    ws.onmessage = e => {
      if (this.ws !== ws || typeof e.data !== 'string') return
      let frame: ServerFrame
      try {
        frame = JSON.parse(e.data) as ServerFrame
      } catch {
        return
      }
      this.receive(frame)
    }
    ws.onclose = e => {
      if (this.ws !== ws) return
      this.ws = null
      clearTimeout(this.connectTimer)
      if (e.code === 4001) {
        this.stopped = true
        this.setState('offline')
        this.emit({ type: 'replaced' })
        return
      }
      this.scheduleReconnect()
    }
  }

  /** Gives up on a socket we believe dead and goes through the normal reconnect path. */
  private drop(ws: WebSocket) {
    if (this.ws !== ws) return
    this.ws = null
    clearTimeout(this.connectTimer)
    // Not 1000: for the server this is a dropped connection, so the chat waits for our resume.
    try {
      ws.close(4000, 'client reconnecting')
    } catch {
      /* already closing */
    }
    this.scheduleReconnect()
  }

  private scheduleReconnect() {
    if (this.stopped) return
    if (!navigator.onLine) return this.setState('offline')
    this.setState('reconnecting')
    const base = this.nextDelay ?? BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!
    this.nextDelay = null
    this.attempt++
    // Jitter so a restarted server is not hit by every client in the same millisecond.
    this.retryTimer = setTimeout(() => this.connect(), base * (0.75 + Math.random() * 0.5))
  }

  private receive(frame: ServerFrame) {
    if (frame.type === 'hello') return this.onHello(frame)
    if (frame.type === 'shutdown') {
      this.nextDelay = frame.retryAfterMs
      this.attempt = 0
      if (!frame.resumable) {
        // Nothing survives this restart: start afresh afterwards.
        this.session = null
        this.unconfirmed.clear()
        this.emit({ type: 'restart' })
      }
      return
    }
    if ('seq' in frame && typeof frame.seq === 'number') {
      // `delivered` is idempotent (matched by id) and a resent text is answered with its original seq.
      if (frame.seq <= this.lastSeq && frame.type !== 'delivered') return
      if (frame.seq > this.lastSeq) {
        this.lastSeq = frame.seq
        this.scheduleAck()
      }
      if (frame.type === 'delivered') {
        this.unconfirmed.delete(frame.id)
        this.inflight = this.inflight.filter(id => id !== frame.id)
      }
    }
    this.emit({ type: 'frame', frame })
    // The server names the text it refuses; only a frame too large to parse (so its id unread) is
    // matched to the oldest text in flight. An id-less rate limit is about a find, not a text.
    if (frame.type === 'error' && ((frame.id !== undefined && refusesText(frame.code)) || (frame.id === undefined && frame.code === 'too_large'))) {
      const id = frame.id !== undefined ? (this.unconfirmed.has(frame.id) || this.inflight.includes(frame.id) ? frame.id : null) : (this.inflight[0] ?? null)
      if (id === null) return
      this.inflight = this.inflight.filter(x => x !== id)
      // Never resent by itself after a reconnect: the server said no to this very text.
      this.unconfirmed.delete(id)
      this.emit({ type: 'refused', id, code: frame.code })
    }
  }

  private onHello(hello: HelloFrame) {
    clearTimeout(this.connectTimer)
    const lost = this.session !== null && !hello.resumed
    if (!hello.resumed) {
      this.lastSeq = 0
      this.ackedSeq = 0
      this.seenSeq = 0
      this.sentSeen = 0
      this.unconfirmed.clear()
    }
    this.session = hello.session
    this.attempt = 0
    this.setState('open')
    this.emit({ type: 'session', hello, lost })
    this.inflight = []
    for (const [id, [body, replyTo]] of this.unconfirmed) this.writeText(id, body, replyTo)
    for (const f of this.queued.splice(0)) this.write(f)
    this.flushSeen()
    // After a reload the replayed frames we already showed are dropped unseen: acknowledge them.
    if (hello.resumed && this.lastSeq > this.ackedSeq) this.scheduleAck()
  }

  /** The stranger's frames up to `seq` were shown: told now, or once the connection is back. */
  seen(seq: number) {
    if (seq > this.seenSeq && seq <= this.lastSeq) this.seenSeq = seq
    this.flushSeen()
  }

  private flushSeen() {
    if (this.seenSeq <= this.sentSeen || !this.connected || this.ws?.readyState !== WebSocket.OPEN) return
    this.write({ type: 'seen', seq: this.seenSeq })
    this.sentSeen = this.seenSeq
  }

  private scheduleAck() {
    if (this.lastSeq - this.ackedSeq >= ACK_EVERY) return this.flushAck()
    this.ackTimer ??= setTimeout(() => this.flushAck(), ACK_DELAY_MS)
  }

  private flushAck() {
    clearTimeout(this.ackTimer)
    this.ackTimer = undefined
    if (this.lastSeq <= this.ackedSeq || !this.connected || this.ws?.readyState !== WebSocket.OPEN) return
    this.write({ type: 'ack', seq: this.lastSeq })
    this.ackedSeq = this.lastSeq
  }

  private onOnline = () => {
    if (this.stopped) return
    this.attempt = 0
    if (!this.ws) this.connect()
  }

  /** The network is gone: the socket cannot be trusted (it may linger half-open), so drop it now. */
  private onOffline = () => {
    if (this.ws) this.drop(this.ws)
    this.setState('offline')
  }

  private onVisibility = () => {
    if (document.visibilityState === 'hidden') return this.flushAck()
    // Back in the foreground (phones freeze background tabs): reconnect at once, no back-off.
    if (!this.ws && !this.stopped) {
      this.attempt = 0
      this.connect()
    }
  }
}

export function chatUrl(): string {
  // The server writes its WS_PATH into the page it serves; /chat is the contract's default.
  const path = document.querySelector<HTMLMetaElement>('meta[name="leetchat-ws-path"]')?.content || '/chat'
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`
}
