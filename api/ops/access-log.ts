// One access-log line and one counter per HTTP request: method, path, status, duration. Never
// the query string (media links carry their signature there, the WebSocket URL a resume token),
// never a bearer-like path segment (upload tickets), never an address or a body.
import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../log'
import type { Metrics } from './metrics'

const MAX_PATH = 200
/** Probes hit every few seconds; they are logged at debug so they do not drown real traffic. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics'])

/** The path as it may appear in logs: credentials in the path replaced, length bounded. */
export function loggablePath(pathname: string): string {
  const p = pathname.replace(/^\/upload\/[^/]+/, '/upload/:ticket')
  return p.length > MAX_PATH ? p.slice(0, MAX_PATH) + '…' : p
}

/** A small fixed set of route names, so the request counter's labels stay bounded. */
export function routeOf(pathname: string, wsPath: string): string {
  if (pathname === wsPath) return 'chat'
  const first = pathname.split('/')[1] ?? ''
  if (first === 'trpc' || first === 'upload' || first === 'media') return first
  if (PROBES.has(pathname)) return pathname.slice(1)
  return 'static'
}

export function recordRequest(log: Logger, metrics: Metrics, wsPath: string, method: string, pathname: string, status: number, startedAt: number) {
  metrics.inc('http_requests_total', { route: routeOf(pathname, wsPath), status: String(status) })
  const fields = { method, path: loggablePath(pathname), status, ms: Math.round((performance.now() - startedAt) * 10) / 10 }
  if (PROBES.has(pathname) && status < 500) log.debug('http', fields)
  else log.info('http', fields)
}

/**
 * Refused upgrades (429/503) as a flood produces them: every one counted, but at most one log
 * line per `everyMs`, carrying how many were left out. One line per refusal would let a socket
 * loop write the log full.
 */
export function refusalLog(log: Logger, metrics: Metrics, wsPath: string, everyMs = 1000) {
  let last = 0
  let quiet = 0
  return (method: string, pathname: string, status: number, startedAt: number) => {
    const t = performance.now()
    if (t - last < everyMs) {
      metrics.inc('http_requests_total', { route: routeOf(pathname, wsPath), status: String(status) })
      quiet++
      return
    }
    last = t
    recordRequest(log, metrics, wsPath, method, pathname, status, startedAt)
    if (quiet) log.info('http refusals not logged', { since: `${everyMs} ms`, count: quiet })
    quiet = 0
  }
}

export function accessLog(log: Logger, metrics: Metrics, wsPath: string): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now()
    try {
      await next()
    } finally {
      recordRequest(log, metrics, wsPath, c.req.method, c.req.path, c.res.status, started)
    }
  }
}
