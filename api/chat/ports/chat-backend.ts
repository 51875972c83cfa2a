// The chat core's port to where sessions, mailboxes and delivery live. One node: process memory
// (chat/local-backend.ts). Several nodes: Redis (cluster/redis-backend.ts), where any node can
// push a frame to any session and the node holding its socket sends it.
//
// The rules (chat/chat-rules.ts) know sessions by id only. Every frame for a session goes
// through `push` (sequenced: matched, text, delivered, media, ended) or `send` (ephemeral:
// typing, partner, queued, error): the one delivery seam.
import type { SequencedFrameInput } from '../protocol'
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
}

export type AddressAction = { t: 'ban'; leftMs: number; message: string }

export interface ChatBackend {
  readonly kind: 'local' | 'redis'
  /** Wires the callbacks; called once by the hub. */
  wire(inbox: Inbox): void
  /** Sessions whose socket is on this node (and, on one node, those held for resume). */
  local(id: string): LocalSession | undefined
  /** How many sessions `local` knows. */
  readonly held: number
  /** Every session `local` knows. */
  all(): Iterable<LocalSession>
  /** A brand-new session with its socket on this node. */
  create(id: string, ipHash: string): LocalSession
  /**
   * Makes session `id` local for a resume (called before the upgrade, so opening stays
   * synchronous): on one node it is already here or comes from a graceful-restart snapshot; on
   * several it is claimed from Redis, and any socket of it on another node is closed with 4001.
   * False when unknown or expired.
   */
  restore(id: string): Promise<boolean>
  /** A (resumed) session's socket is on this node now; returns its unacknowledged frames in order, for replay. */
  attach(s: LocalSession): string[]
  /** Whether session `id` has a socket anywhere. */
  connected(id: string): boolean | Promise<boolean>
  /** The socket closed without a goodbye: hold the session for the resume window. */
  detach(s: LocalSession): void
  /** The session is over for good (goodbye close past its chat, or expiry on one node). */
  drop(id: string): void
  /** A sequenced frame (or, with null, only a state change) for session `to`, wherever it lives. */
  push(to: string, frame: SequencedFrameInput | null, ctl?: Control): void
  /** An ephemeral frame for `to`, sent if it is connected anywhere, dropped otherwise. */
  send(to: string, json: string): void
  /**
   * The relay's hot path: `from` (local) said `body` with client id `clientId`. The stranger's
   * `text` goes to `to`, the `delivered` receipt to `from`; a client id already relayed is
   * answered with its first receipt and not relayed again.
   */
  relayText(from: LocalSession, to: string, clientId: string, body: string, at: number): void
  /** The receipt first sent for client text id `clientId` of `s`, if it was relayed. */
  receipt(s: LocalSession, clientId: string): string | undefined | Promise<string | undefined>
  /** Frees `s`'s frames up to `seq`; resolves an error message when `seq` was never sent. */
  ack(s: LocalSession, seq: number): string | null | Promise<string | null>
  /** State fields of a local session changed (state, interests, random, requeue). */
  save(s: LocalSession): void
  /** Any session, wherever it lives (tRPC, uploads, reports). */
  view(id: string): Promise<SessionView | null>
  /** Runs `action` for every session of `ipHash` on every node. */
  addressAction(ipHash: string, action: AddressAction): Promise<void>
  /** Connected clients, all nodes. */
  online(): number
  /**
   * Graceful stop of this node: sessions saved where the next process (or another node) can
   * resume them. Resolves whether a session (and its chat) can resume.
   */
  persistAll(): Promise<(id: string) => boolean>
  close(): Promise<void>
}
