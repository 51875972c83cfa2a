// The hono app for every HTTP request except the WebSocket upgrade: tRPC, uploads, signed media,
// health, metrics and the built PWA.
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { trpcServer } from '@hono/trpc-server'
import type { Server } from 'bun'
import { resolve } from 'node:path'
import type { Services } from './services'
import type { WsData } from './chat/socket-adapter'
import { createAppRouter } from './trpc/router'
import { createContext } from './trpc/context'
import { createStaticHandler } from './static'
import { accessLog, loggablePath } from './ops/access-log'
import { createReadiness } from './ops/readiness'
import { heapReport, isDirectLoopback } from './ops/heap'
import { mountMediaRoutes } from './media/routes'
import { httpDeps } from './http-deps'
import { requireAllowedOrigin, securityHeaders } from './safety/headers'
import { httpError } from './http-error'
import type { AdminConsole } from './admin/console'
import { mountAdminRoutes } from './admin/routes'

import type { HttpEnv } from './http-env'

export type { HttpEnv } from './http-env'

const TRPC_MAX_BODY = 64 * 1024
/** reports.create alone may carry a video still (REPORT_STILL_MAX_BYTES as base64, plus the note). */
const REPORT_MAX_BODY = 256 * 1024
// The PWA never batches more than a handful of calls; a batch of thousands is only load.
const TRPC_MAX_BATCH = 16

export function createHttpApp(services: Services, opts: { staticRoot?: string; admin?: AdminConsole | null } = {}) {
  const { log, db, cache, config, metrics, drain } = services
  const deps = httpDeps(services)
  const app = new Hono<HttpEnv>()
  const staticRoot = opts.staticRoot ?? resolve(import.meta.dir, '../pwa/dist')
  const serveStatic = createStaticHandler(staticRoot, { wsPath: services.config.wsPath })
  const readiness = createReadiness({
    db,
    cache,
    redis: services.cluster?.redis,
    mediaDir: resolve(config.dataDir, 'media'),
    closing: () => drain.draining || services.hub.closing,
  })

  app.use('*', accessLog(log, metrics, config.wsPath))
  // Uploads in progress are waited for on shutdown; new ones are refused once it has begun.
  app.use('/upload/*', drain.middleware)

  app.onError((err, c) => {
    log.error('http handler failed', { err, path: loggablePath(c.req.path) })
    return httpError(c, 500, 'internal')
  })

  app.use(
    '*',
    securityHeaders(services.config, c => (c.env as Server<WsData> | undefined)?.requestIP?.(c.req.raw)?.address ?? null),
  )
  app.use('/upload/*', requireAllowedOrigin(services.config.allowedOrigins))

  app.get('/healthz', c => c.json({ ok: true }))
  app.get('/readyz', async c => {
    const r = await readiness()
    // Which part is down is the operator's to know, not an attacker's: the detail goes only where
    // /metrics is read, a request made on this machine straight to the app (nginx adds
    // X-Forwarded-For to everything it passes on); anyone else gets the status alone.
    const peer = (c.env as Server<WsData> | undefined)?.requestIP?.(c.req.raw)?.address
    return c.json(isDirectLoopback(peer, c.req.raw.headers) ? r : { ok: r.ok }, r.ok ? 200 : 503)
  })
  // Prometheus text format. Keep it private: nginx denies it (ops/nginx/leetchat.conf) and the
  // app should listen on loopback only behind nginx.
  if (config.metricsEnabled) {
    app.get('/metrics', c => c.body(metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' }))
  }

  // Bench-only heap figures (tests/bench/soak.ts). Off by default; when on, anything but a direct
  // loopback request gets the same 404 as when it is off, so the endpoint is not advertised.
  if (config.debugHeapEndpoint) {
    app.get('/debug/heap', c => {
      const peer = (c.env as Server<WsData> | undefined)?.requestIP?.(c.req.raw)?.address
      if (!isDirectLoopback(peer, c.req.raw.headers)) return httpError(c, 404, 'not_found')
      const gc = c.req.query('gc') ?? '0'
      const top = c.req.query('top') ?? '40'
      if (!/^[01]$/.test(gc) || !/^\d{1,4}$/.test(top)) {
        return httpError(c, 400, 'bad_request', 'debug/heap takes gc=0|1 and top=0..9999')
      }
      return c.json(heapReport({ gc: gc === '1', top: Number(top) }), 200, { 'Cache-Control': 'no-store' })
    })
  }

  const limit = (max: number) => bodyLimit({ maxSize: max, onError: c => httpError(c, 413, 'too_large', `request bodies are limited to ${max} bytes`) })
  const trpcLimit = limit(TRPC_MAX_BODY)
  const reportLimit = limit(REPORT_MAX_BODY)
  app.use(
    '/trpc/*',
    // reports.create called alone (the PWA's link never batches); a batch keeps the small limit.
    (c, next) => (c.req.path === '/trpc/reports.create' ? reportLimit : trpcLimit)(c, next),
    trpcServer({
      router: createAppRouter(deps.trpc),
      endpoint: '/trpc',
      maxBatchSize: TRPC_MAX_BATCH,
      createContext: (_opts, c) =>
        createContext(deps.trpcContext, {
          authorization: c.req.header('authorization'),
          forwardedFor: c.req.header('x-forwarded-for'),
          peer: (c.env as Server<WsData>)?.requestIP?.(c.req.raw)?.address ?? null,
        }),
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') log.error('trpc procedure failed', { path, err: error.cause ?? error })
      },
    }),
  )

  // The moderation console: /admin and /admin/api/* (api/admin/routes.ts); absent when ADMIN_ENABLED=false.
  if (opts.admin) mountAdminRoutes(app, opts.admin, { config, peer: c => (c.env as Server<WsData> | undefined)?.requestIP?.(c.req.raw)?.address ?? null, staticRoot })
  else app.all('/admin/*', c => httpError(c, 404, 'not_found')).all('/admin', c => httpError(c, 404, 'not_found'))

  // PUT /upload/:ticket and GET /media/:id (signed links).
  mountMediaRoutes(app, deps.media)

  app.get('*', async c => {
    const res = await serveStatic(c.req.path, (c.req.header('accept') ?? '').includes('text/html'), c.req.header('accept-encoding'))
    return res ?? httpError(c, 404, 'not_found')
  })

  return app
}
