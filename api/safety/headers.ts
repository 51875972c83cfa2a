// Security headers on every HTTP response, and the Origin check for uploads. The CSP fits the
// built PWA: its scripts and styles are files from this origin (no inline script or style
// element), it talks to this origin over HTTP and WebSocket, and shows photos and voice notes from
// signed same-origin links or blob: URLs. A handler that set a header itself (e.g. a stricter CSP
// on media) keeps its own.
import type { Context, MiddlewareHandler } from 'hono'
import type { Config } from '../config'
import { isTrustedPeer } from './client-ip'
import { checkOrigin, originSet } from './origin'
import { httpError } from '../http-error'

export function contentSecurityPolicy(publicUrl: string): string {
  const u = new URL(publicUrl)
  const ws = `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}`
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval': the video screen runs TensorFlow.js on WebAssembly (pwa/src/lib/video-screen-worker.ts);
    // it allows compiling WebAssembly from this origin's .wasm files, not eval() of JS.
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob: data:",
    "font-src 'self'",
    // 'self' covers same-origin ws: only in newer browsers, so the ws(s) URL is named as well.
    `connect-src 'self' ${ws}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export const HSTS = 'max-age=31536000'

/** The socket peer's address of a request (from Bun's server.requestIP). */
type PeerAddress = (c: Context) => string | null

export function securityHeaders(config: Pick<Config, 'publicUrl' | 'trustedProxies'>, peer: PeerAddress): MiddlewareHandler {
  const fixed: Array<[string, string]> = [
    ['Content-Security-Policy', contentSecurityPolicy(config.publicUrl)],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['Permissions-Policy', 'microphone=(self), camera=(self), geolocation=()'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
  ]
  const httpsPublic = new URL(config.publicUrl).protocol === 'https:'
  return async (c, next) => {
    await next()
    const h = c.res.headers
    for (const [name, value] of fixed) if (!h.has(name)) h.set(name, value)
    // HSTS only means something over TLS: a https PUBLIC_URL, or nginx saying the client used https.
    const tls = httpsPublic || (c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https' && isTrustedPeer(peer(c), config.trustedProxies))
    if (tls && !h.has('Strict-Transport-Security')) h.set('Strict-Transport-Security', HSTS)
  }
}

/** Refuses requests whose Origin is not allowed (uploads); requests without Origin pass. */
export function requireAllowedOrigin(allowedOrigins: readonly string[]): MiddlewareHandler {
  const allowed = originSet(allowedOrigins)
  return async (c, next) => {
    if (checkOrigin(c.req.header('origin'), allowed) === 'forbidden') {
      return httpError(c, 403, 'forbidden_origin')
    }
    await next()
  }
}
