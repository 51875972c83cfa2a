// The seam through which safety rules (origin, bans, rate limits) act on the chat hub. The hub
// calls these at fixed points and knows nothing of how they decide.
import type { ClientFrame, ErrorCode } from './protocol'

export interface Refusal {
  code: ErrorCode
  message: string
  retryAfterMs?: number
  /** HTTP status for refusals before the upgrade. */
  status?: number
}

export interface ConnectionInfo {
  ip: string
  ipHash: string
  origin: string | null
}

export interface FrameContext {
  sessionId: string
  ipHash: string
}

export interface ChatGuard {
  /** Before a WebSocket upgrade. */
  admitConnection(info: ConnectionInfo): Refusal | null
  /** After admitConnection, on several nodes only: the cluster-wide connection cap per address. */
  admitAcrossNodes?(info: ConnectionInfo): Promise<Refusal | null>
  /** A socket closed (connection counts). */
  releaseConnection(info: ConnectionInfo): void
  /** Every parsed frame, on the hot path: must be synchronous and cheap. */
  checkFrame(ctx: FrameContext, frame: ClientFrame): Refusal | null
  /** Before joining the queue (find/next): may look up bans. */
  checkFind(ctx: FrameContext): Promise<Refusal | null>
  /** Rate limits for HTTP-side actions (upload tickets, reports). Synchronous and cheap. */
  checkAction(kind: 'ticket' | 'report', ctx: FrameContext): Refusal | null
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
      return { code: 'too_many_connections', message: `at most ${max} connections per address`, status: 429, retryAfterMs: 1000 }
    },
    releaseConnection(info) {
      guard.releaseConnection(info)
      across.release(info.ipHash)
    },
    checkFrame: (ctx, frame) => guard.checkFrame(ctx, frame),
    checkFind: ctx => guard.checkFind(ctx),
    checkAction: (kind, ctx) => guard.checkAction(kind, ctx),
  }
}
