// A session as this node holds it: the socket (if any), where it stands (idle, queued, chatting)
// and who its partner is. A chat is two session ids, never two objects: the partner may live on
// another node. Sequenced frames live in the session's mailbox (mailbox.ts on one node; Redis on
// several), not here.
import type { Connection } from './connection'
import type { FrameContext } from './guard'
import type { Mailbox } from './mailbox'

export type SessionState = 'idle' | 'queued' | 'chatting'

export interface ChatRef {
  id: string
  partnerId: string
  partnerIpHash: string
  common: string[]
  startedAt: number
  /** A video chat (both found with video: true): rtc frames are relayed. */
  video?: boolean
  /** Video chats: this side sends the offer (true on exactly one side). */
  offerer?: boolean
}

export interface LastChat {
  id: string
  partnerId: string
  partnerIpHash: string
  endedAt: number
  /** It was a video chat (a report of it may carry a still). */
  video?: boolean
}

export interface LocalSession {
  id: string
  conn: Connection | null
  ipHash: string
  state: SessionState
  interests: string[]
  random: boolean
  /** The find's languages (primary subtags, normalised) and whether other languages may follow the fallback. */
  languages: string[]
  anyLanguage: boolean
  /** The last find asked for video (so does next, and a requeue after a resume). */
  video: boolean
  /** Was in the queue when the socket dropped: re-queue on resume. */
  requeue: boolean
  /**
   * Has a push subscription for this search (push.subscribe): when its socket drops while it
   * waits it stays in the queue, and a match wakes it with a push (api/push/waker.ts).
   */
  wakeable: boolean
  /** Bumped by every state change, so a find that awaited the guard can tell it is stale. */
  epoch: number
  chat: ChatRef | null
  lastChat: LastChat | null
  /** On one node: seq, outbox and resend ids. On several the mailbox lives in Redis. */
  mailbox: Mailbox | null
  /** Interests this session already counted towards `popular`: one person counts once. */
  counted: Set<string>
  /** Abuse strikes of the current connection (decay one a second). */
  strikes: number
  strikesAt: number
  /** Texts sent in the current chat, counted up to SCREENED_TEXTS (spam screening). */
  chatTexts: number
  /** Set while a screened text is being checked: later texts wait behind it, in order. */
  textGate: Promise<void> | null
  /** `next`s within seconds of a match in this session; every QUICK_SKIPS_PER_NOTE-th raises the address's risk. */
  quickSkips: number
  /** The last find was answered with proof_required: an accepted proof runs it. */
  awaitingProof: boolean
  /** What the guard sees of this session on every frame; replaced when its address changes. */
  frameCtx: FrameContext
}

/** What other modules (tRPC, uploads, reports) may know about a session. */
export interface SessionView {
  id: string
  ipHash: string
  connected: boolean
  state: SessionState
  /** The last find asked for video. */
  video: boolean
  chat: { id: string; partnerId: string; partnerIpHash: string; common: string[]; video: boolean } | null
  lastChat: LastChat | null
}

export function newLocalSession(id: string, ipHash: string, mailbox: Mailbox | null): LocalSession {
  return {
    id,
    conn: null,
    ipHash,
    state: 'idle',
    interests: [],
    random: true,
    languages: [],
    anyLanguage: false,
    video: false,
    requeue: false,
    wakeable: false,
    epoch: 0,
    chat: null,
    lastChat: null,
    mailbox,
    counted: new Set(),
    strikes: 0,
    strikesAt: 0,
    chatTexts: 0,
    textGate: null,
    awaitingProof: false,
    quickSkips: 0,
    frameCtx: { sessionId: id, ipHash },
  }
}

/** A resume may come from another address: the session and the guard's context follow it. */
export function moveSession(s: LocalSession, ipHash: string) {
  if (s.ipHash === ipHash) return
  s.ipHash = ipHash
  s.frameCtx = { sessionId: s.id, ipHash }
}

export function viewOf(s: LocalSession): SessionView {
  const c = s.chat
  return {
    id: s.id,
    ipHash: s.ipHash,
    connected: s.conn !== null,
    state: s.state,
    video: s.video,
    chat: c ? { id: c.id, partnerId: c.partnerId, partnerIpHash: c.partnerIpHash, common: c.common, video: c.video === true } : null,
    lastChat: s.lastChat,
  }
}
