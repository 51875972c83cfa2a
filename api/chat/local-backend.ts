// The chat backend of a single node: every session, mailbox and expiry timer in process memory,
// delivery by function call. Graceful restarts hand sessions to the next process through the
// cache (memcached), as snapshots written only at shutdown: a snapshot taken mid-chat would be
// behind on seq and restoring it would make clients drop new frames, so after a crash nothing
// resumes and the client gets a fresh session instead of a chat with holes.
import type { Cache } from '../cache/cache'
import { createTranscripts } from '../safety/transcripts'
import type { Logger } from '../log'
import { limitConcurrency } from './concurrency'
import { Mailbox } from './mailbox'
import type { AddressAction, ChatBackend, Control, Inbox } from './ports/chat-backend'
import { encodeDelivered, encodeReply, encodeSeen, encodeSequenced, encodeText, type SequencedFrameInput } from './protocol'
import { newLocalSession, viewOf, type ChatRef, type LastChat, type LocalSession, type SessionState } from './session'

export interface LocalBackendOptions {
  cache: Cache
  log: Logger
  resumeWindowMs: number
  resumeBufferFrames: number
  /** Sockets open on this process (the online count). */
  connected: () => number
  /** How long a chat's last lines stay readable for a report after it ended. */
  transcriptKeepMs?: number
  now?: () => number
}

interface Snapshot {
  id: string
  ipHash: string
  state: SessionState
  interests: string[]
  random: boolean
  /** Absent in a snapshot saved before languages existed. */
  languages?: string[]
  anyLanguage?: boolean
  /** Absent in a snapshot written before video existed. */
  video?: boolean
  requeue: boolean
  chat: ChatRef | null
  lastChat: LastChat | null
  seq: number
  outbox: string[]
  inbound?: Array<[number, string]>
  seenUpTo?: number
  heldReceipts?: Array<[string, number]> | null
}

/** Cache calls in flight at once for restores and shutdown saves (see concurrency.ts). */
const CACHE_CONCURRENCY = 32
const cacheKey = (id: string) => `leetchat:s:${id}`

export type LocalBackend = ChatBackend

export function createLocalBackend(opts: LocalBackendOptions): LocalBackend {
  const { cache, log } = opts
  const now = opts.now ?? Date.now
  const sessions = new Map<string, LocalSession>()
  // The last lines of each chat, for a report that includes the conversation: written by the
  // relay below, as the Redis backend's relay script writes its own.
  const transcripts = createTranscripts({ keepAfterEndMs: opts.transcriptKeepMs }, now)
  const expiries = new Map<string, ReturnType<typeof setTimeout>>()
  const bulk = limitConcurrency(CACHE_CONCURRENCY)
  // Snapshots only help when the cache outlives this process.
  const persistent = cache.kind !== 'memory'
  const snapshotTtl = Math.ceil(opts.resumeWindowMs / 1000) + 30
  let inbox!: Inbox

  const mailboxOf = (s: LocalSession) => s.mailbox!

  function keep(s: LocalSession, json: string) {
    mailboxOf(s).keep(json)
    if (s.conn) inbox.arrive(s, json)
  }

  /** `s`'s socket is back: the receipts held for its partner's texts go to the partner now. */
  function releaseReceipts(s: LocalSession) {
    const mb = mailboxOf(s)
    const held = mb.heldReceipts
    if (!held) return
    mb.heldReceipts = null
    const p = s.chat ? sessions.get(s.chat.partnerId) : undefined
    if (!p || p.chat?.id !== s.chat!.id) return
    for (const [id, at] of held) keep(p, encodeDelivered(id, at, ++mailboxOf(p).seq))
  }

  /** A session leaves this process for good: what only it could still read (its last chat's transcript) goes with it. */
  function remove(id: string) {
    sessions.delete(id)
    transcripts.sessionGone(id)
  }

  function clearExpiry(id: string) {
    const t = expiries.get(id)
    if (t !== undefined) clearTimeout(t)
    expiries.delete(id)
  }

  function hold(s: LocalSession) {
    clearExpiry(s.id)
    expiries.set(
      s.id,
      setTimeout(() => {
        expiries.delete(s.id)
        if (s.conn || sessions.get(s.id) !== s) return
        const undelivered = s.chat ? mailboxOf(s).unconfirmed() : []
        inbox.expired({ id: s.id, ipHash: s.ipHash, chat: s.chat, ...(undelivered.length && { undelivered }) })
        remove(s.id)
      }, opts.resumeWindowMs),
    )
  }

  function toSnapshot(s: LocalSession): Snapshot {
    const mb = mailboxOf(s)
    return {
      id: s.id,
      ipHash: s.ipHash,
      state: s.state,
      interests: s.interests,
      random: s.random,
      languages: s.languages,
      anyLanguage: s.anyLanguage,
      video: s.video,
      requeue: s.requeue || s.state === 'queued',
      chat: s.chat,
      lastChat: s.lastChat,
      seq: mb.seq,
      outbox: mb.outbox,
      inbound: mb.inbound,
      seenUpTo: mb.seenUpTo,
      heldReceipts: mb.heldReceipts,
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

  function fromSnapshot(snap: Snapshot): LocalSession {
    const mb = new Mailbox(opts.resumeBufferFrames)
    mb.seq = snap.seq
    mb.outbox = snap.outbox
    mb.inbound = snap.inbound ?? []
    mb.seenUpTo = snap.seenUpTo ?? 0
    mb.heldReceipts = snap.heldReceipts ?? null
    const s = newLocalSession(snap.id, snap.ipHash, mb)
    s.interests = snap.interests
    s.random = snap.random
    s.languages = snap.languages ?? []
    s.anyLanguage = snap.anyLanguage === true
    s.video = snap.video === true
    s.requeue = snap.requeue
    s.lastChat = snap.lastChat
    sessions.set(s.id, s)
    hold(s)
    // Used once: this process now owns the session, and a stale copy must never come back later.
    void cache.delete(cacheKey(s.id))
    return s
  }

  const backend: LocalBackend = {
    holdsDetached: true,
    wire(i) {
      inbox = i
    },
    local: id => sessions.get(id),
    all: () => sessions.values(),
    create(id, ipHash) {
      const s = newLocalSession(id, ipHash, new Mailbox(opts.resumeBufferFrames))
      sessions.set(id, s)
      return s
    },
    /** Brings a session (and its chat partner) back from the shared cache after a graceful restart. */
    async restore(id) {
      if (sessions.has(id)) return true
      if (!persistent || !/^[\w-]{16,64}$/.test(id)) return false
      const snap = await loadSnapshot(id)
      if (!snap || sessions.has(id)) return sessions.has(id)
      const s = fromSnapshot(snap)
      const chat = snap.chat
      if (chat) {
        let p = sessions.get(chat.partnerId)
        if (!p) {
          const ps = await loadSnapshot(chat.partnerId)
          p = sessions.get(chat.partnerId) ?? (ps && ps.chat?.id === chat.id ? fromSnapshot(ps) : undefined)
        }
        if (p && (!p.chat || p.chat.id === chat.id)) {
          for (const [x, ref] of [
            [s, chat],
            [p, p.chat ?? { ...chat, partnerId: s.id, partnerIpHash: s.ipHash }],
          ] as const) {
            x.chat = ref
            x.state = 'chatting'
          }
        } else {
          // The partner's state is gone: the chat cannot continue.
          s.chat = chat
          s.state = 'chatting'
          backend.push(
            s.id,
            { type: 'ended', by: 'server', reason: 'timeout' },
            { t: 'ended', chat: chat.id, partnerId: chat.partnerId, partnerIpHash: chat.partnerIpHash, at: now() },
          )
        }
      }
      log.info('session restored from cache', { chat: Boolean(s.chat) })
      return true
    },
    attach(s) {
      clearExpiry(s.id)
      const mb = mailboxOf(s)
      mb.openResends()
      const replay = mb.outbox.slice()
      releaseReceipts(s)
      return replay
    },
    connected: async id => Boolean(sessions.get(id)?.conn),
    detach(s) {
      hold(s)
    },
    drop(id) {
      clearExpiry(id)
      remove(id)
    },
    forget(id) {
      const s = sessions.get(id)
      if (!s || s.conn) return false
      clearExpiry(id)
      remove(id)
      return true
    },
    push(to, frame, ctl?: Control) {
      if (ctl?.t === 'ended') transcripts.observer.onChatEnded?.(ctl.chat, 'left')
      const s = sessions.get(to)
      if (!s) return
      if (ctl && !inbox.apply(s, ctl)) return
      // The chat is now this side's last one: it may report it while its session lives (api/safety/moderation.ts).
      if (ctl?.t === 'ended') transcripts.reportableBy(ctl.chat, to)
      if (frame) keep(s, encodeSequenced(frame as SequencedFrameInput, ++mailboxOf(s).seq))
    },
    send(to, json) {
      const s = sessions.get(to)
      if (s?.conn) inbox.arrive(s, json)
    },
    relayText(from, to, clientId, body, at, replyTo) {
      const mb = mailboxOf(from)
      // A resend of an accepted message (after a resume) is answered with the original receipt,
      // never relayed twice.
      const dup = mb.receipt(clientId)
      if (dup !== undefined) {
        if (from.conn) inbox.arrive(from, dup)
        return
      }
      const p = sessions.get(to)
      const pmb = p && mailboxOf(p)
      // Accepted, its receipt held until the partner's socket is back: not relayed again.
      if (pmb?.heldReceipts?.some(r => r[0] === clientId)) return
      // A reply names a text by the replier's seq; the partner knows it by its own client id.
      const quoted = replyTo === undefined ? undefined : mb.inboundId(replyTo)
      if (p?.conn) {
        // The sender's receipt first: it goes to the socket whose frame is being handled (which Bun
        // corks), then the partner's text. This order measured ~8% less server CPU per message.
        keep(from, encodeDelivered(clientId, at, ++mb.seq))
      } else if (pmb) {
        // No socket to have it: `delivered` waits for the partner's resume (or never comes).
        ;(pmb.heldReceipts ??= []).push([clientId, at])
      }
      if (p && pmb) {
        const seq = ++pmb.seq
        keep(p, quoted === undefined ? encodeText(body, at, seq) : encodeReply(body, at, quoted, seq))
        pmb.received(seq, clientId)
      }
      const chat = from.chat
      if (chat) transcripts.observer.onText!(chat.id, from.id, body, at)
    },
    seen(s, seq) {
      const r = mailboxOf(s).seen(seq)
      if ('error' in r) return inbox.badAck(s, r.error)
      const p = r.id !== null && s.chat ? sessions.get(s.chat.partnerId) : undefined
      if (p && p.chat?.id === s.chat!.id) keep(p, encodeSeen(r.id!, ++mailboxOf(p).seq))
    },
    receipt: async (s, clientId) => mailboxOf(s).receipt(clientId),
    ack(s, seq) {
      const bad = mailboxOf(s).ack(seq)
      if (bad !== null) inbox.badAck(s, bad)
    },
    save() {},
    async view(id) {
      const s = sessions.get(id)
      return s ? viewOf(s) : null
    },
    async addressAction(ipHash, action: AddressAction) {
      inbox.addressAction(ipHash, action)
    },
    online: () => opts.connected(),
    get held() {
      return sessions.size
    },
    /** Writes every session with its unacked frames to the cache (only when it outlives this process). */
    async persistAll() {
      const saved = new Set<string>()
      for (const id of [...expiries.keys()]) clearExpiry(id)
      // A chat resumes only if both sides' state made it to the cache.
      const resumable = (id: string) => {
        const p = sessions.get(id)?.chat?.partnerId
        return saved.has(id) && (!p || saved.has(p))
      }
      if (!persistent) return resumable
      await Promise.all(
        [...sessions.values()].map(async s => {
          if (await bulk(() => cache.set(cacheKey(s.id), JSON.stringify(toSnapshot(s)), snapshotTtl))) saved.add(s.id)
        }),
      )
      const lost = sessions.size - saved.size
      if (lost > 0) log.warn('sessions not saved for resume', { sessions: lost, cache: cache.kind })
      return resumable
    },
    async transcript(chatId) {
      return transcripts.lines(chatId)
    },
    async reclaim() {
      // Nothing to re-assert: one node owns everything it holds.
    },
    useQueue() {
      // Expiry on one node goes through Inbox.expired, which leaves the queue itself.
    },
    async close() {
      for (const id of [...expiries.keys()]) clearExpiry(id)
      transcripts.close()
    },
  }
  return backend
}
