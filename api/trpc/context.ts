// Per-request tRPC context: the session named by the Bearer header (no cookies) and the client's
// address as an HMAC hash.
import type { Context as HonoContext } from 'hono'
import type { SessionView } from '../chat/hub'
import type { Services } from '../services'
import { clientIp } from '../safety/client-ip'
import { bearer } from '../bearer'

// A type alias (not an interface) so it satisfies the adapter's Record<string, unknown>.
export type Context = {
  services: Services
  session: SessionView | null
  ipHash: string
  /** The client's network (secrets.hashNetwork): what reporters are counted by. */
  netHash: string
}

export { bearer } from '../bearer'

export async function createContext(services: Services, c: HonoContext, peer: string | null): Promise<Context> {
  const token = bearer(c.req.header('authorization'))
  const ip = clientIp(peer, c.req.header('x-forwarded-for'), services.config.trustedProxies)
  return { services, session: token ? await services.hub.lookup(token) : null, ipHash: services.secrets.hashIp(ip), netHash: services.secrets.hashNetwork(ip) }
}
