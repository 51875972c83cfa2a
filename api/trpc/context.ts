// Per-request tRPC context: the session named by the Bearer header (no cookies) and the client's
// address as an HMAC hash. What the procedures act on is not here: each router module takes its
// own small dependency set when the router is made (router.ts).
import type { Config } from '../config'
import type { Hub, SessionView } from '../chat/hub'
import type { Secrets } from '../secrets'
import { clientIp } from '../safety/client-ip'
import { bearer } from '../bearer'

// A type alias (not an interface) so it satisfies the adapter's Record<string, unknown>.
export type Context = {
  session: SessionView | null
  ipHash: string
  /** The client's network (secrets.hashNetwork): what reporters are counted by. */
  netHash: string
}

/** What building a context reads: the proxies to believe, the session lookup, the address hashes. */
export interface ContextDeps {
  config: Pick<Config, 'trustedProxies'>
  hub: Pick<Hub, 'lookup'>
  secrets: Pick<Secrets, 'hashIp' | 'hashNetwork'>
}

/** The parts of a request the context is made from (HTTP-framework free, so tests can make one). */
export interface RequestFacts {
  authorization: string | undefined
  forwardedFor: string | undefined
  /** The socket peer's address, null when the server could not say. */
  peer: string | null
}

export async function createContext(deps: ContextDeps, req: RequestFacts): Promise<Context> {
  const token = bearer(req.authorization)
  const ip = clientIp(req.peer, req.forwardedFor, deps.config.trustedProxies)
  return { session: token ? await deps.hub.lookup(token) : null, ipHash: deps.secrets.hashIp(ip), netHash: deps.secrets.hashNetwork(ip) }
}
