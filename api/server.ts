// Bun.serve wiring: the WebSocket path goes to the chat hub (native Bun WebSockets), every other
// request to the hono app.
import type { Server } from 'bun'
import type { Hono } from 'hono'
import type { HttpEnv } from './http-env'
import { bunWebSocketHandlers, type WsData } from './chat/socket-adapter'
import type { Services } from './services'
import { clientIp } from './safety/client-ip'
import { recordRequest, refusalLog } from './ops/access-log'
import type { Refusal } from './chat/guard'
import { httpErrorResponse } from './http-error'

export function serve(services: Services, app: Hono<HttpEnv>): Server<WsData> {
  const { config, hub, guard, secrets, log, metrics, drain, sessionLimits } = services
  const refusedUpgrade = refusalLog(log, metrics, config.wsPath)

  function refusalResponse(refusal: Refusal): Response {
    const headers = refusal.retryAfterMs !== undefined ? { 'Retry-After': String(Math.ceil(refusal.retryAfterMs / 1000)) } : undefined
    return httpErrorResponse(refusal.status ?? 403, refusal.code, refusal.message, { headers, retryAfterMs: refusal.retryAfterMs })
  }

  async function upgrade(req: Request, server: Server<WsData>): Promise<Response | undefined> {
    if (hub.closing || drain.draining) return httpErrorResponse(503, 'shutting_down', undefined, { headers: { 'Retry-After': '1' } })
    if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return httpErrorResponse(426, 'expected_websocket', undefined, { headers: { Upgrade: 'websocket' } })
    }
    const ip = clientIp(server.requestIP(req)?.address, req.headers.get('x-forwarded-for'), config.trustedProxies)
    const info = { ip, ipHash: secrets.hashIp(ip), origin: req.headers.get('origin') }
    let refusal = guard.admitConnection(info)
    // A refusal by the cluster gives back this node's slot itself (see ChatGuard).
    if (!refusal && guard.admitAcrossNodes) refusal = await guard.admitAcrossNodes(info)
    if (refusal) return refusalResponse(refusal)
    const resume = new URL(req.url).searchParams.get('resume')
    // A resume of a session held here (or, with Redis, anywhere) is not a new session.
    const resumed = resume ? await hub.restore(resume).catch(() => false) : false
    if (!resumed) {
      const over = await sessionLimits.admitNew(info.ipHash)
      if (over) {
        guard.releaseConnection(info)
        return refusalResponse(over)
      }
    }
    const data: WsData = { ...info, resume, session: null, conn: null }
    if (server.upgrade(req, { data })) return undefined
    guard.releaseConnection(info)
    return httpErrorResponse(400, 'upgrade_failed')
  }

  const server = Bun.serve<WsData>({
    hostname: config.host,
    port: config.port,
    // Uploads are streamed and capped by the upload handler; this is only the outer guard rail.
    maxRequestBodySize: Math.max(config.maxUploadBytes * 2, 1024 * 1024),
    fetch(req, srv) {
      const pathname = new URL(req.url).pathname
      if (pathname !== config.wsPath) return app.fetch(req, srv)
      const started = performance.now()
      return upgrade(req, srv).then(res => {
        const status = res?.status ?? 101
        if (status === 429 || status === 503) refusedUpgrade(req.method, pathname, status, started)
        else recordRequest(log, metrics, config.wsPath, req.method, pathname, status, started)
        return res
      })
    },
    websocket: bunWebSocketHandlers(hub, config),
    error(err) {
      log.error('unhandled request error', { err })
      return httpErrorResponse(500, 'internal')
    },
  })
  return server
}
