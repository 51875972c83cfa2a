// The app's state machine: turns server frames and the user's actions into one immutable state
// the screens render. Screens call the actions; nothing else talks to the socket.
import type { inferRouterInputs } from '@trpc/server'
import type { AppRouter } from '../../../api/trpc/router'
import type { EndedBy, EndReason, ErrorCode, HelloFrame, Limits, MediaInfo, MediaKind, ProofChallenge, RtcFrame, ServerFrame } from '../../../api/chat/protocol'
import { canRetry, refusalSentence } from './refusals'
import { ChatSocket, chatUrl, type ConnState, type SocketEvent } from './socket'
import { setSession } from './session'
import type { Prepared } from './upload'
import { msg, type Msg } from '../i18n'
import { list } from './format'
import { recall, remember } from './tab-memory'
import { placeDelivered } from './order'
import type { CameraProblem, VideoCall, VideoView } from './video-call'

export interface TextItem {
  kind: 'text'
  key: string
  mine: boolean
  body: string
  at: number
  /** own messages only; `seen`: the stranger has seen it (after delivered) */
  status?: 'sending' | 'delivered' | 'seen' | 'failed'
  /** the stranger's messages: their seq, which a `seen` names */
  seq?: number
  /** why the server refused it (status failed): the bubble says so, and offers Retry only if it can work */
  refusal?: ErrorCode
  /** a reply: the key of the text it quotes (a stranger's `s<seq>`, or one of ours by its client id) */
  replyTo?: string
}
export interface MediaItem {
  kind: 'media'
  key: string
  mine: boolean
  at: number
  media: MediaInfo
}
export interface UploadItem {
  kind: 'upload'
  key: string
  mine: true
  at: number
  name: string
  size: number
  media: MediaKind
  progress: number
  error: Msg | null
  /** queued until the connection is back (attached while offline, or the network dropped mid-way) */
  waiting: boolean
  /** the bytes are still here, so a failed upload can be tried again */
  retryable: boolean
}
export type Item = TextItem | MediaItem | UploadItem

export interface Chat {
  id: string
  common: string[]
  /** languages both sides listed (matched.languages) */
  languages?: string[]
  items: Item[]
  typing: boolean
  partnerAway: boolean
  ended: { by: EndedBy; reason: EndReason } | null
  reported: boolean
  /** Blocked: never matched with this stranger again. */
  blocked?: boolean
  /** A video chat: who sends the offer, and whether the picture could not be connected (text goes on). */
  video?: { offerer: boolean; failed: boolean }
}

export interface Search {
  interests: string[]
  random: boolean
  /** the random fallback has started */
  fallback: boolean
  /** a video search: paired only with strangers who chose video too */
  video?: boolean
}

export type Phase = 'home' | 'searching' | 'chat'

export interface State {
  conn: ConnState
  /** people connected right now */
  count: number | null
  limits: Limits | null
  phase: Phase
  search: Search | null
  chat: Chat | null
  /** a passing message (refusals, errors) */
  notice: Msg | null
  /** the latest event worth announcing to screen readers */
  announce: Msg | null
  /** another tab took over this session */
  replaced: boolean
  /** the server has TURN relays (hello.video): the Video switch is offered */
  videoAvailable: boolean
  /** the camera or microphone could not be had for a video search */
  cameraProblem: CameraProblem | null
}

/** What the tab keeps for a reload (tab-memory.ts). */
interface Kept {
  limits: Limits | null
  phase: Phase
  search: Search | null
  chat: Chat | null
  wanted: Wanted
}

/** What a search asks for (a find's fields). */
export interface Wanted {
  interests: string[]
  random: boolean
  /** lower-case primary subtags, the UI language first */
  languages: string[]
  anyLanguage: boolean
  /** a video chat (asks for the camera first) */
  video?: boolean
}

/** The reasons reports.create accepts, read from the router's input (zod enum on the server). */
export type ReportReason = inferRouterInputs<AppRouter>['reports']['create']['reason']

/** A report that did not go through, with the sentence that says why. */
export class ReportError extends Error {
  constructor(
    readonly sentence: Msg,
    cause: unknown,
  ) {
    super(sentence.id, { cause })
  }
}

let counter = 0
const newId = () => `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`

export class ChatController {
  private state: State = {
    conn: 'connecting',
    count: null,
    limits: null,
    phase: 'home',
    search: null,
    chat: null,
    notice: null,
    announce: null,
    replaced: false,
    videoAvailable: false,
    cameraProblem: null,
  }
  private listeners = new Set<() => void>()
  private socket: ChatSocket
  private wanted: Wanted = { interests: [], random: true, languages: [], anyLanguage: true }
  /** The video half (video-call.ts), loaded on the first video search: text-only users never fetch it. */
  private call: VideoCall | null = null
  /** The last hello: video screening on or off, and its threshold. */
  private hello: HelloFrame | null = null
  private uploads = new Map<string, AbortController>()
  /** the bytes of uploads not yet stored (waiting for the network, or failed and retryable) */
  private prepared = new Map<string, Prepared>()
  private persistQueued = false

  constructor(url = chatUrl()) {
    const kept = recall<Kept>()
    this.socket = new ChatSocket(url, e => this.onSocket(e), kept?.socket)
    if (kept?.socket) {
      // A reload of this tab: show what it showed, then resume the session behind it. Uploads
      // in flight lost their bytes with the page.
      const chat = kept.chat && { ...kept.chat, typing: false, items: kept.chat.items.filter(i => i.kind !== 'upload') }
      this.wanted = { interests: [], random: true, languages: [], anyLanguage: true, ...(kept.wanted as Partial<Wanted>) }
      this.state = { ...this.state, limits: kept.limits ?? null, phase: kept.phase, search: kept.search, chat, conn: navigator.onLine ? 'connecting' : 'offline' }
      setSession(kept.socket.session)
    }
  }

  get = () => this.state

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  start() {
    this.socket.start()
  }

  /**
   * The page is being hidden for good (reload, navigation, a discarded tab): keep what the tab
   * shows and drop the socket without a goodbye, so the chat waits for this tab's resume and the
   * stranger sees "reconnecting…", not "left". Only Leave / New stranger end a chat.
   */
  suspend() {
    this.persist()
    this.socket.suspend()
  }

  // ---------- actions ----------

  find(wanted: Wanted) {
    this.wanted = wanted
    const { interests, random, video } = wanted
    this.abortUploads()
    this.socket.dropUnconfirmed()
    if (!video) this.call?.releaseCamera()
    this.set({
      phase: 'searching',
      search: { interests, random, fallback: false, ...(video && { video }) },
      chat: null,
      notice: null,
      cameraProblem: null,
      announce: msg('announce.looking'),
    })
    if (video) void this.findWithCamera(wanted)
    else this.socket.control({ type: 'find', ...wanted, video: false })
  }

  /** A video search asks for the camera first (only now, never on first open); refused, it stops. */
  private async findWithCamera(wanted: Wanted) {
    const call = await this.videoCall()
    const problem = await call.openCamera()
    if (this.state.phase !== 'searching') return call.releaseCamera()
    if (problem) return this.set({ phase: 'home', search: null, cameraProblem: problem })
    this.socket.control({ type: 'find', ...wanted, video: true })
  }

  /** The camera's picture, the stranger's, and the call's state (null outside video mode). */
  videoView(): VideoView | null {
    return this.call?.current ?? null
  }

  /** Mute, camera off/on, switch camera, "Tap to view" on the stranger's blurred picture. */
  videoControl(what: 'mic' | 'camera' | 'switch' | 'reveal') {
    const call = this.call
    if (!call) return
    if (what === 'mic') call.setMic(!call.current.mic)
    else if (what === 'camera') call.setCamera(!call.current.camera)
    else if (what === 'reveal') call.revealRemote()
    else void call.switchCamera()
  }

  /** The <video> showing the stranger, for the on-device screen. */
  videoRemote(el: HTMLVideoElement | null) {
    this.call?.watchRemote(el)
  }

  private async videoCall(): Promise<VideoCall> {
    if (this.call) return this.call
    const { VideoCall } = await import('./video-call')
    this.call ??= new VideoCall(
      frame => this.socket.ephemeral(frame),
      (_view, event) => {
        if (event === 'timeout') {
          this.patchChat(c => (c.video ? { ...c, video: { ...c.video, failed: true } } : c))
          this.set({ announce: msg('announce.videoFailed') })
        } else if (event === 'late') {
          // The attempt went on after the notice and the picture came: show it after all.
          this.patchChat(c => (c.video ? { ...c, video: { ...c.video, failed: false } } : c))
          this.set({ announce: msg('announce.videoLate') })
        } else this.notify()
      },
      { on: this.hello?.videoScreening !== 'off', threshold: this.hello?.videoScreenThreshold ?? 0.7 },
    )
    return this.call
  }

  /** New stranger: ends an open chat (the server re-queues us with the same interests). */
  next() {
    const c = this.state.chat
    if (c && !c.ended) {
      this.abortUploads()
      this.socket.dropUnconfirmed()
      this.call?.hangUp()
      this.socket.control({ type: 'next' })
      this.set({
        phase: 'searching',
        search: { interests: this.wanted.interests, random: this.wanted.random, fallback: false, ...(this.wanted.video && { video: true }) },
        chat: null,
        notice: null,
        announce: msg('announce.lookingNew'),
      })
    } else {
      this.find(this.wanted)
    }
  }

  /** Back to the home screen, leaving the queue or an open chat. */
  home() {
    const { phase, chat } = this.state
    if (phase === 'searching' || (chat && !chat.ended)) this.socket.control({ type: 'leave' })
    this.call?.releaseCamera()
    this.abortUploads()
    this.socket.dropUnconfirmed()
    this.set({ phase: 'home', search: null, chat: null, announce: null })
  }

  /** `quote`: the stranger's text this one replies to (the wire names it by its seq). */
  send(body: string, quote?: TextItem | null): boolean {
    const c = this.state.chat
    if (!c || c.ended || !body.trim()) return false
    const id = newId()
    this.socket.text(id, body, quote?.seq)
    this.addItem({ kind: 'text', key: id, mine: true, body, at: Date.now(), status: 'sending', ...(quote && { replyTo: quote.key }) })
    return true
  }

  /** Sends a refused text again (same id: the server never accepted it). */
  retry(key: string) {
    const c = this.state.chat
    const item = c?.items.find(i => i.key === key)
    if (!c || c.ended || item?.kind !== 'text' || item.status !== 'failed' || (item.refusal && !canRetry(item.refusal))) return
    const quote = item.replyTo ? c.items.find(i => i.key === item.replyTo) : null
    this.socket.text(key, item.body, quote?.kind === 'text' ? quote.seq : undefined)
    this.patchChat(x => ({ ...x, items: x.items.map(i => (i.key === key && i.kind === 'text' ? { ...i, status: 'sending' as const } : i)) }))
  }

  typing(active: boolean) {
    if (this.state.chat && !this.state.chat.ended) this.socket.typing(active)
  }

  /** The stranger's messages up to `seq` are on screen while the page is looked at (lib/seen.ts). */
  seen(seq: number) {
    if (this.state.chat && !this.state.chat.ended) this.socket.seen(seq)
  }

  /** Checks then uploads a picked file; a refusal is shown as a notice before any upload starts. */
  async attach(file: File) {
    const limits = this.state.limits
    if (!limits || !this.state.chat || this.state.chat.ended) return
    const { prepare } = await import('./upload')
    const p = await prepare(file, limits)
    if ('error' in p) return this.set({ notice: p.error })
    await this.uploadPrepared(p)
  }

  async sendVoice(blob: Blob, mime: string) {
    const limits = this.state.limits
    if (!limits || !this.state.chat || this.state.chat.ended) return
    if (blob.size > limits.maxUploadBytes) return this.set({ notice: msg('voice.tooLong') })
    const ext = mime.includes('mp4') ? 'm4a' : mime.includes('ogg') ? 'ogg' : 'webm'
    await this.uploadPrepared({ blob, mime, kind: 'audio', name: `voice-note.${ext}` })
  }

  dismiss(key: string) {
    this.uploads.get(key)?.abort()
    this.prepared.delete(key)
    this.patchChat(c => ({ ...c, items: c.items.filter(i => i.key !== key) }))
  }

  /** Tries a failed upload again with the same bytes. */
  retryUpload(key: string) {
    if (!this.prepared.has(key) || !this.state.chat || this.state.chat.ended) return
    void this.runUpload(key)
  }

  /**
   * Reports the current (or just-ended) stranger, then ends the chat. Throws a ReportError saying
   * why not. `stillOf`: the reporter chose to include a still of this (the stranger's) video.
   */
  async report(reason: ReportReason, note: string, includeTranscript: boolean, stillOf?: HTMLVideoElement | null) {
    const { errorMessage, trpc } = await import('./trpc')
    // Taken before the report ends the chat (and its picture); no picture, no still.
    const still = stillOf ? await import('./video-still').then(m => m.grabStill(stillOf)).catch(() => null) : undefined
    let kept: boolean
    try {
      const r = await trpc.reports.create.mutate({ reason, ...(note.trim() && { note: note.trim() }), includeTranscript, ...(still && { still }) })
      kept = still !== null && r.still?.stored !== false
    } catch (err) {
      throw new ReportError(errorMessage(err, msg('report.failed')), err)
    }
    const c = this.state.chat
    if (c && !c.ended) {
      this.socket.control({ type: 'leave' })
      this.endChat({ by: 'you', reason: 'reported' })
    }
    this.patchChat(x => ({ ...x, reported: true }))
    this.set({ announce: msg(kept ? 'announce.reported' : 'report.stillDropped') })
  }

  /** Blocks the current (or just-ended) stranger: ends the chat and never pairs the two again. */
  block() {
    const c = this.state.chat
    if (!c || c.blocked) return
    this.socket.control({ type: 'block' })
    if (!c.ended) {
      this.abortUploads()
      this.socket.dropUnconfirmed()
      this.endChat({ by: 'you', reason: 'left' })
    }
    this.patchChat(x => ({ ...x, blocked: true }))
    this.set({ announce: msg('announce.blocked') })
  }

  /** A find that needs a proof of work: solved in a worker, then the server starts the search. */
  private async prove(challenge: ProofChallenge) {
    try {
      const { solveProof } = await import('./pow')
      const t0 = performance.now()
      const { nonce, hashes, ms } = await solveProof(challenge)
      // What it cost this device (read by tests/e2e/pow.spec.ts; harmless anywhere else).
      performance.measure('leetchat:proof-of-work', { start: t0, detail: { bits: challenge.bits, hashes, hashMs: ms } })
      if (this.state.phase === 'searching') this.socket.control({ type: 'proof', token: challenge.token, nonce })
    } catch {
      this.set({ notice: msg('notice.searchFailed') })
    }
  }

  clearNotice() {
    if (this.state.notice) this.set({ notice: null })
  }

  // ---------- socket ----------

  private onSocket(e: SocketEvent) {
    switch (e.type) {
      case 'state':
        return this.set({ conn: e.state })
      case 'session': {
        setSession(e.hello.session)
        this.hello = e.hello
        this.set({ limits: e.hello.limits, count: e.hello.online, videoAvailable: e.hello.video === true })
        // A lost session says so in the ended chat's bar (chat.endLostYou): no toast repeating it.
        if (!e.hello.resumed) this.sessionLost(null)
        else {
          // The server says `partner: reconnecting` right after a resume if the partner is still away.
          this.patchChat(c => (c.partnerAway ? { ...c, partnerAway: false } : c))
          // Attachments that waited for the network go now.
          for (const i of this.state.chat?.items ?? []) if (i.kind === 'upload' && i.waiting) void this.runUpload(i.key)
          // The picture comes back by itself: a fresh connection where the old one is gone.
          void this.resumeVideo()
        }
        return
      }
      case 'restart':
        return this.sessionLost(msg('notice.restart'))
      case 'replaced':
        return this.set({ replaced: true, notice: msg('notice.replaced') })
      case 'frame':
        return this.onFrame(e.frame)
      case 'refused':
        return this.patchChat(c => ({
          ...c,
          items: c.items.map(i => (i.kind === 'text' && i.key === e.id && i.status === 'sending' ? { ...i, status: 'failed' as const, refusal: e.code } : i)),
        }))
    }
  }

  /** A fresh session: a chat that was open is over (said with `why`), a search starts again. */
  /** After a resume (a reload lost the page's connection and camera; a drop may have broken it). */
  private async resumeVideo() {
    const c = this.state.chat
    if (!c?.video || c.ended || c.video.failed) return
    const call = await this.videoCall()
    if (!call.current.local && (await call.openCamera())) return
    await call.resumed(c.video.offerer)
  }

  private onRtc(f: RtcFrame) {
    if (this.state.chat?.video && !this.state.chat.ended) void this.call?.handle(f)
  }

  private sessionLost(why: Msg | null) {
    const c = this.state.chat
    if (c && !c.ended) {
      // `by: you`: it was our connection that was lost (the server's timeout is about the stranger's).
      this.endChat({ by: 'you', reason: 'timeout' })
      if (why) this.set({ notice: why })
    }
    if (this.state.phase === 'searching') this.socket.control({ type: 'find', ...this.wanted })
  }

  private onFrame(f: ServerFrame) {
    switch (f.type) {
      case 'online':
        return this.set({ count: f.count })
      case 'queued':
        if (this.state.phase !== 'searching') return
        return this.set({
          search: { interests: f.interests, random: f.random, fallback: Boolean(f.fallback) },
          ...(f.fallback && { announce: msg(f.random ? 'announce.fallback' : 'announce.otherLanguages') }),
        })
      case 'matched':
        // We may have cancelled while the match was made; the server ends it on our `leave`.
        if (this.state.phase !== 'searching') return
        if (f.video) void this.videoCall().then(call => call.matched(f.offerer === true))
        return this.set({
          phase: 'chat',
          search: null,
          chat: {
            id: f.chat,
            common: f.common,
            languages: f.languages ?? [],
            items: [],
            typing: false,
            partnerAway: false,
            ended: null,
            reported: false,
            ...(f.video && { video: { offerer: f.offerer === true, failed: false } }),
          },
          announce: f.common.length ? msg('announce.matchedCommon', { list: list(f.common) }) : msg('announce.matched'),
        })
      case 'text':
        if (!this.state.chat || this.state.chat.ended) return
        this.addItem({ kind: 'text', key: `s${f.seq}`, mine: false, body: f.body, at: f.at, seq: f.seq, ...(f.replyTo && { replyTo: f.replyTo.id }) })
        return this.patchChat(c => ({ ...c, typing: false }))
      case 'delivered':
        // Also takes the server's time, and the order the stranger sees (lib/order.ts).
        return this.patchChat(c => ({ ...c, items: placeDelivered(c.items, f.id, f.at) }))
      case 'seen':
        return this.patchChat(c => {
          // It covers that text and every own text before it.
          const upTo = c.items.findIndex(i => i.kind === 'text' && i.mine && i.key === f.id)
          if (upTo < 0) return c
          return { ...c, items: c.items.map((i, n) => (n <= upTo && i.kind === 'text' && i.mine && i.status !== 'failed' ? { ...i, status: 'seen' as const } : i)) }
        })
      case 'typing':
        return this.patchChat(c => (c.ended ? c : { ...c, typing: f.active }))
      case 'media':
        return this.onMedia(f.media, f.from === 'you')
      case 'partner':
        // A partner who dropped is not typing any more.
        return this.patchChat(c => ({ ...c, partnerAway: f.state === 'reconnecting', typing: f.state === 'reconnecting' ? false : c.typing }))
      case 'ended': {
        const c = this.state.chat
        // Our own next/leave already moved the screen on.
        if (!c || c.ended) return
        this.endChat({ by: f.by, reason: f.reason }, f.undelivered)
        return this.set({
          announce:
            f.by === 'stranger'
              ? msg('announce.strangerLeft')
              : f.reason === 'timeout'
                ? msg('announce.lost')
                : f.reason === 'interrupted'
                  ? msg('chat.endInterrupted')
                  : msg('chat.ended'),
        })
      }
      case 'error':
        if (f.code === 'not_in_chat') return // raced with the chat ending; the `ended` frame says it
        // A refused text: its own bubble says "Not sent" and why; no second message.
        if (f.id !== undefined) return
        if (f.code === 'proof_required' && f.challenge) return void this.prove(f.challenge)
        if (f.code === 'banned') this.set({ phase: 'home', search: null })
        return this.set({ notice: refusalSentence(f.code) })
      case 'hello':
      case 'shutdown':
        return // the socket layer consumes these before they reach the chat
      case 'rtc':
        return this.onRtc(f)
    }
  }

  private onMedia(media: MediaInfo, mine: boolean) {
    const c = this.state.chat
    if (!c || (c.ended && !mine)) return
    const item: MediaItem = { kind: 'media', key: `m${media.id}`, mine, at: Date.now(), media }
    if (c.items.some(i => i.key === item.key)) return
    // Our upload's placeholder turns into the real thing where it stood.
    const idx = mine ? c.items.findIndex(i => i.kind === 'upload' && !i.error && i.size === media.size) : -1
    if (idx >= 0) {
      this.uploads.delete(c.items[idx]!.key)
      this.prepared.delete(c.items[idx]!.key)
      const items = c.items.slice()
      items[idx] = item
      this.patchChat(x => ({ ...x, items }))
    } else this.addItem(item)
    if (!mine) this.set({ announce: msg(media.kind === 'image' ? 'announce.photo' : media.kind === 'audio' ? 'announce.voice' : 'announce.file') })
  }

  /** `undelivered`: own texts the server says never reached the stranger (even if they got `delivered`). */
  private endChat(ended: { by: EndedBy; reason: EndReason }, undelivered: string[] = []) {
    const failed = new Set([...this.socket.dropUnconfirmed(), ...undelivered])
    this.call?.hangUp()
    this.abortUploads()
    this.patchChat(c => ({
      ...c,
      ended,
      typing: false,
      partnerAway: false,
      items: c.items.map(i =>
        i.kind === 'text' && failed.has(i.key)
          ? { ...i, status: 'failed' as const }
          : i.kind === 'upload' && !i.error
            ? { ...i, waiting: false, retryable: false, error: msg('upload.chatEnded') }
            : i,
      ),
    }))
  }

  /** Shows the attachment at once; sends it now, or when the connection is back. */
  private async uploadPrepared(p: Prepared) {
    const key = `u${newId()}`
    this.prepared.set(key, p)
    const waiting = !this.online()
    this.addItem({ kind: 'upload', key, mine: true, at: Date.now(), name: p.name, size: p.blob.size, media: p.kind, progress: 0, error: null, waiting, retryable: false })
    if (!waiting) await this.runUpload(key)
  }

  private online(): boolean {
    return navigator.onLine && this.state.conn === 'open'
  }

  private async runUpload(key: string) {
    const p = this.prepared.get(key)
    if (!p || this.uploads.has(key)) return
    const ctl = new AbortController()
    this.uploads.set(key, ctl)
    const update = (patch: Partial<UploadItem>) => this.patchChat(c => ({ ...c, items: c.items.map(i => (i.key === key && i.kind === 'upload' ? { ...i, ...patch } : i)) }))
    update({ waiting: false, error: null, retryable: false, progress: 0 })
    try {
      const { upload } = await import('./upload')
      await upload(p, progress => update({ progress }), ctl.signal)
      update({ progress: 1 })
    } catch (err) {
      if (ctl.signal.aborted) return
      // The network went away mid-way: wait for it like a text does, then start over.
      if (!this.online()) update({ waiting: true, progress: 0 })
      else update({ error: (err as { sentence?: Msg }).sentence ?? msg('upload.failed'), retryable: (err as { retryable?: boolean }).retryable ?? true })
    } finally {
      if (this.uploads.get(key) === ctl) this.uploads.delete(key)
    }
  }

  private abortUploads() {
    for (const c of this.uploads.values()) c.abort()
    this.uploads.clear()
    this.prepared.clear()
  }

  // ---------- state ----------

  private addItem(item: Item) {
    this.patchChat(c => ({ ...c, items: [...c.items, item] }))
  }

  private patchChat(fn: (c: Chat) => Chat) {
    if (this.state.chat) this.set({ chat: fn(this.state.chat) })
  }

  /** Re-render without a state change (the video view lives outside the kept state). */
  private notify() {
    for (const l of this.listeners) l()
  }

  private set(patch: Partial<State>) {
    this.state = { ...this.state, ...patch }
    for (const l of this.listeners) l()
    if (!this.persistQueued) {
      // Once per burst of frames, after they are all applied (so the kept seq matches the items).
      this.persistQueued = true
      queueMicrotask(() => this.persist())
    }
  }

  private persist() {
    this.persistQueued = false
    const { limits, phase, search, chat } = this.state
    const kept: Kept = { limits, phase, search, chat: chat && { ...chat, items: chat.items.filter(i => i.kind !== 'upload') }, wanted: this.wanted }
    remember({ ...kept, socket: this.socket.memory() })
  }
}
