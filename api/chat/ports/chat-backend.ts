// The chat core's port to where sessions, mailboxes and delivery live. One node: process memory
// (chat/local-backend.ts). Several nodes: Redis (cluster/redis-backend.ts), where any node can
// push a frame to any session and the node holding its socket sends it.
//
// The rules (chat/chat-rules.ts and its parts) know sessions by id only. Every frame for a
// session goes through `push` (sequenced: matched, text, delivered, media, ended) or `send`
// (ephemeral: typing, partner, queued, error): the one delivery seam.
//
// What every implementation must keep (a third one, e.g. NATS, is written from this list):
//  1. Order per recipient. Frames for one session arrive in the order they were pushed or sent
//     from one node, across `push`, `send` and `relayText` together (an `ended` pushed before a
//     `queued` is sent reaches the client first).
//  2. One step per sequenced frame. Taking the recipient's next `seq`, keeping the frame in its
//     outbox (for replay on resume, bounded by the resume buffer) and delivering it to the socket,
//     if any, is one atomic step: a frame is either in the outbox with its seq or was never
//     accepted, and seqs reach the client in increasing order with no gap a replay cannot fill.
//     `relayText` does this for both its frames (the stranger's `text`, the sender's `delivered`).
//  3. `apply` before its frame. A Control travelling with a frame is applied (Inbox.apply) where
//     the session lives, before that frame is delivered; when apply answers false the frame is
//     dropped (an `ended` for a chat the session is no longer in).
//  4. Nothing lost between `restore` and `attach`. Frames that arrive for a session while it is
//     being restored, or after restore and before its socket attaches, are buffered and returned
//     by `attach` after the stored replay, in seq order, without duplicates.
//  5. Resends answered once. A client text id already relayed in this chat is answered with its
//     first receipt and never relayed twice (`relayText`, `receipt`).
//  6. Sync or async, once per method, as typed below. The synchronous methods never throw for a
//     backend failure: an implementation whose store is remote (Redis) does the work in the
//     background, logs and counts a failure (redis_errors_total), retries what must land (a
//     failed `ended` push is retried until the store answers, so the partner is told), and
//     reports to the sender what it refused through the Inbox (`relayRefused`, `badAck`).
//  7. Which methods may reject: `restore` never does (false on failure); `connected`, `receipt`,
//     `view`, `addressAction`, `transcript`, `reclaim` may, when the shared store is away. Their
//     callers handle it: a resume tells the resumer `partner reconnecting`, a resend outside a
//     chat gets `not_in_chat`, a tRPC call or an upload answers an error, a ban reports its
//     failure to its caller (CLI, report), a report goes without its transcript. None may be
//     left floating (an unhandled rejection is counted as unhandled_errors_total: a bug).
//  8. Seen maps to the sender's ids. Seqs are per recipient: a `seen` names a seq of the
//     recipient's stream, the sender knows its texts by its own client ids. Each session keeps,
//     for the current chat, which of its seqs carried which partner client id (bounded like the
//     resume buffer), and `seen`, `replyTo` and an expiry's `undelivered` resolve through it.
//  9. `delivered` means the recipient's connection has it. While the recipient has no socket the
//     receipt is held with the recipient and sent when its socket is back (resume); when the chat
//     ends first it is never sent. When the recipient expires, its partner's `ended` lists the
//     texts the recipient's client never acknowledged nor saw (`undelivered`).
import type { EphemeralJson, SequencedFrameInput } from '../protocol'
import type { ChatRef, LocalSession, SessionView } from '../session'

/** A state change that travels with a frame, applied where the session lives before it is sent. */
export type Control =
  | { t: 'matched'; chat: ChatRef }
  /** Only applied (and its frame only sent) while the session is still in chat `chat`. */
  | { t: 'ended'; chat: string; partnerId: string; partnerIpHash: string; at: number }

/** A session held for resume whose window passed (or whose node died and whose window passed). */
export interface Expired {
  id: string
  ipHash: string
  chat: ChatRef | null
  /**
   * The partner's texts of that chat (the partner's client ids, oldest first) this session's client
   * neither acknowledged nor said it saw: they never reached it, and the partner's `ended` says so.
   */
  undelivered?: string[]
}

/** One kept line of a chat, for a report that includes the conversation. */
export interface TranscriptLine {
  /** Session id of the sender. */
  from: string
  body: string
  at: number
}

/** What a backend calls back into on this node. */
export interface Inbox {
  /** A frame for a session whose socket is on this node (ctl, if any, already applied). */
  arrive(s: LocalSession, json: string): void
  /** Apply a state change to a local session; false when it no longer applies (drop the frame). */
  apply(s: LocalSession, ctl: Control): boolean
  /** A held session's window passed: end its chat, leave the queue. */
  expired(e: Expired): void
  /** The session was resumed on another connection (any node): close this one with 4001. */
  takenOver(s: LocalSession): void
  /**
   * The shared state of connected session `s` was lost (several nodes: Redis restarted empty, or
   * peers took this node for dead and dropped its place in the queue): end its chat on the
   * server's initiative (`interrupted`), or, if it was waiting, search again.
   */
  interrupted(s: LocalSession): void
  /** Ban-like actions that must reach every node: run here for the local sessions of `ipHash`. */
  addressAction(ipHash: string, action: AddressAction): void
  /**
   * A text `relayText` took from local session `s` was not relayed after all: its chat had ended
   * where the relay ran (`not_in_chat`), or the shared store was away (`unavailable`). The sender
   * is told with an error naming `clientId`. A backend that decides synchronously never calls it.
   */
  relayRefused(s: LocalSession, clientId: string, code: 'not_in_chat' | 'unavailable'): void
  /** An `ack` or `seen` of `s` named a seq never sent: `message` says so (a `bad_frame` for the client). */
  badAck(s: LocalSession, message: string): void
}

export type AddressAction =
  | { t: 'ban'; leftMs: number; message: string }
  /** push.subscribe kept a subscription for `session` (of this address): the node holding it marks it wakeable. */
  | { t: 'wake'; session: string }

export interface ChatBackend {
  /**
   * Capability: a session whose socket dropped stays in this node's memory (`local`/`all`) until
   * its resume window ends (one node), rather than leaving it at once because it is held in a
   * shared store where any node may expire it (several nodes).
   */
  readonly holdsDetached: boolean
  /** Wires the callbacks; called once by the hub. */
  wire(inbox: Inbox): void
  /** Sessions whose socket is on this node (and, with holdsDetached, those held for resume). */
  local(id: string): LocalSession | undefined
  /** How many sessions `local` knows. */
  readonly held: number
  /** Every session `local` knows. */
  all(): Iterable<LocalSession>
  /** A brand-new session with its socket on this node. */
  create(id: string, ipHash: string): LocalSession
  /**
   * Resolves once the shared record of session `id` (made by create) is written. On several nodes
   * a match may be found and pushed to the session by another node, and a push to a record not
   * written yet is dropped, so a find waits for it before it joins the queue. Absent where create
   * is immediate (one node).
   */
  created?(id: string): Promise<void>
  /**
   * Makes session `id` local for a resume (called before the upgrade, so opening stays
   * synchronous): on one node it is already here or comes from a graceful-restart snapshot; on
   * several it is claimed from the store, and any socket of it on another node is closed with
   * 4001 (Inbox.takenOver there). False when unknown, expired, or the store is away; never rejects.
   */
  restore(id: string): Promise<boolean>
  /** A (resumed) session's socket is on this node now; returns its unacknowledged frames in order, for replay (rule 4). */
  attach(s: LocalSession): string[]
  /** Whether session `id` has a socket anywhere. May reject (store away). */
  connected(id: string): Promise<boolean>
  /** The socket closed without a goodbye (or with one while waiting, see `forget`): hold the session for the resume window. */
  detach(s: LocalSession): void
  /** The session is over for good on this node (taken over, or expired on one node). */
  drop(id: string): void
  /**
   * The socket closed with a goodbye (1000) and the session's chat, if any, was ended: nothing of
   * session `id` is kept for a resume, here or in the shared store (a resume with its id gets a
   * fresh session). What outlives a session is not its own and stays: its chat's transcript, the
   * partner's record of the chat, cool-downs. False, and nothing forgotten, when the session has
   * a socket again (a resume came first) or is not known here.
   */
  forget(id: string): boolean
  /** A sequenced frame (or, with null, only a state change) for session `to`, wherever it lives (rules 1–3). */
  push(to: string, frame: SequencedFrameInput | null, ctl?: Control): void
  /** An ephemeral frame (already encoded, see protocol.ts encodeEphemeral) for `to`, sent if it is connected anywhere, dropped otherwise. */
  send(to: string, json: EphemeralJson): void
  /**
   * The relay's hot path: `from` (local) said `body` with client id `clientId`. The stranger's
   * `text` goes to `to`, the `delivered` receipt to `from` once `to`'s socket has it (rule 9); a
   * client id already relayed is answered with its first receipt and not relayed again, nor
   * answered while its receipt is still held (rule 5). `replyTo`: the seq, in `from`'s stream, of
   * the partner's text being quoted; relayed to `to` as `replyTo: {id}` (its own client id) when it
   * is a text of this chat still known, else dropped. A refusal decided later is reported through
   * Inbox.relayRefused.
   */
  relayText(from: LocalSession, to: string, clientId: string, body: string, at: number, replyTo?: number): void
  /**
   * `s`'s client has shown the partner's frames up to its own `seq`. When that newly covers a text
   * of the partner's in this chat, the partner gets a sequenced `seen` naming the newest such text
   * by the partner's client id (rule 8). A regress or repeat does nothing; a seq never sent is
   * reported through Inbox.badAck; outside a chat nothing is relayed.
   */
  seen(s: LocalSession, seq: number): void
  /** The receipt first sent for client text id `clientId` of `s`, if it was relayed. May reject. */
  receipt(s: LocalSession, clientId: string): Promise<string | undefined>
  /** Frees `s`'s frames up to `seq`; a seq never sent is reported through Inbox.badAck. */
  ack(s: LocalSession, seq: number): void
  /** State fields of a local session changed (state, interests, random, requeue). */
  save(s: LocalSession): void
  /** Any session, wherever it lives (tRPC, uploads, reports). May reject. */
  view(id: string): Promise<SessionView | null>
  /** Runs `action` for every session of `ipHash` on every node. May reject. */
  addressAction(ipHash: string, action: AddressAction): Promise<void>
  /** Connected clients, all nodes. */
  online(): number
  /**
   * The last lines of a chat (written by `relayText`, wherever it ran), oldest first, kept for a
   * while after the chat ended; null when none are kept. May reject.
   */
  transcript(chatId: string): Promise<readonly TranscriptLine[] | null>
  /**
   * This node's heartbeat lapsed (others may have taken it for dead): re-assert ownership of
   * every connected session. A no-op where nothing is shared. May reject.
   */
  reclaim(): Promise<void>
  /** The queue is made after the backend: sessions of a dead node leave it through `remove`. */
  useQueue(remove: (id: string) => Promise<unknown>): void
  /**
   * Graceful stop of this node: sessions saved where the next process (or another node) can
   * resume them. Resolves whether a session (and its chat) can resume.
   */
  persistAll(): Promise<(id: string) => boolean>
  close(): Promise<void>
}

/** An ephemeral server frame's JSON, made only by protocol.ts encodeEphemeral (never by hand). */
export type { EphemeralJson } from '../protocol'
