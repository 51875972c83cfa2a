// The seam through which safety rules (origin, bans, rate limits) act on the chat hub. The hub
// calls these at fixed points and knows nothing of how they decide.
import type { ClientFrame, ErrorCode, ProofChallenge } from './protocol'

export interface Refusal {
  code: ErrorCode
  message: string
  retryAfterMs?: number
  /** HTTP status for refusals before the upgrade. */
  status?: number
  /** With `proof_required`: what to solve. */
  challenge?: ProofChallenge
}

/** What the chat rules know about a text when they ask for it to be screened. */
export interface TextContext extends FrameContext {
  partnerId: string
  chatStartedAt: number
}

/** Behaviour the chat rules see that makes an address look riskier (see safety/address-risk.ts). */
export type RuleRisk = 'refused' | 'skip' | 'blocked'

export interface ConnectionInfo {
  ip: string
  ipHash: string
  origin: string | null
}

export interface FrameContext {
  sessionId: string
  ipHash: string
  /**
   * The guard's own per-session scratch (its rate-limit bucket handles), on a context the caller
   * keeps for the session's life (LocalSession.frameCtx) so the hot path skips map lookups. A
   * context made per call works too, only slower.
   */
  memo?: object
}

export interface ChatGuard {
  /** Before a WebSocket upgrade. */
  admitConnection(info: ConnectionInfo): Refusal | null
  /**
   * After admitConnection, on several nodes only: the cluster-wide connection cap per address. A
   * refusal gives back what admitConnection took on this node (and nothing else).
   */
  admitAcrossNodes?(info: ConnectionInfo): Promise<Refusal | null>
  /** A socket closed (connection counts). */
  releaseConnection(info: ConnectionInfo): void
  /** Every parsed frame, on the hot path: must be synchronous and cheap. */
  checkFrame(ctx: FrameContext, frame: ClientFrame): Refusal | null
  /** Before joining the queue (find/next): may look up bans. */
  checkFind(ctx: FrameContext): Promise<Refusal | null>
  /** Rate limits for HTTP-side actions (upload tickets, reports). Synchronous and cheap. */
  checkAction(kind: 'ticket' | 'report', ctx: FrameContext): Refusal | null
  /** The queue pool a find joins: 'main', or 'quarantine' for a soft-banned address. */
  poolFor?(ctx: FrameContext): Promise<string>
  /** A `proof` frame answering a `proof_required` challenge; null when accepted. */
  checkProof?(ctx: FrameContext, token: string, nonce: string): Promise<Refusal | null>
  /**
   * Texts of each chat's first screenTextMs since the match (spam heuristics). Must return null synchronously for
   * almost every text; a promise holds this session's texts back until it settles.
   */
  screenText?(ctx: TextContext, body: string, at: number): Refusal | null | Promise<Refusal | null>
  /** How long after the match texts go to screenText (ms); later ones take the hot path. */
  screenTextMs?: number
  /** A risk signal the rules saw (fire and forget). */
  noteRisk?(ipHash: string, kind: RuleRisk): void
}

export const allowAll: ChatGuard = {
  admitConnection: () => null,
  releaseConnection: () => {},
  checkFrame: () => null,
  checkFind: async () => null,
  checkAction: () => null,
}

/** The guard of a cluster node: `guard`, plus the connection cap counted across every node. */
export function withClusterConnectionCap(guard: ChatGuard, across: { acquire(ipHash: string): Promise<boolean>; release(ipHash: string): void }, max: number): ChatGuard {
  return {
    admitConnection: info => guard.admitConnection(info),
    async admitAcrossNodes(info) {
      if (await across.acquire(info.ipHash)) return null
      // Refused by the cluster: only this node's slot was taken. releaseConnection would also
      // give back one of the address's real slots in Redis (a socket open on this node).
      guard.releaseConnection(info)
      return { code: 'too_many_connections', message: `at most ${max} connections per address`, status: 429, retryAfterMs: 1000 }
    },
    releaseConnection(info) {
      guard.releaseConnection(info)
      across.release(info.ipHash)
    },
    checkFrame: (ctx, frame) => guard.checkFrame(ctx, frame),
    checkFind: ctx => guard.checkFind(ctx),
    checkAction: (kind, ctx) => guard.checkAction(kind, ctx),
    // The abuse rules' optional hooks pass straight through (bound: the node guard's own methods).
    ...(guard.poolFor && { poolFor: guard.poolFor.bind(guard) }),
    ...(guard.checkProof && { checkProof: guard.checkProof.bind(guard) }),
    ...(guard.screenText && { screenText: guard.screenText.bind(guard), screenTextMs: guard.screenTextMs }),
    ...(guard.noteRisk && { noteRisk: guard.noteRisk.bind(guard) }),
  }
}
