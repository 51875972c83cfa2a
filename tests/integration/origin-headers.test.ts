import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { TestClient } from '../support/ws-client'
import { startTestApp, type TestApp } from '../support/app'
import { HSTS } from '../../api/safety/headers'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ ALLOWED_ORIGINS: 'http://127.0.0.1,https://chat.example.com', PUBLIC_URL: 'http://127.0.0.1:3000' })
})
afterAll(() => app.close())

const upgrade = (headers: Record<string, string>) =>
  fetch(app.wsUrl.replace(/^ws/, 'http'), {
    headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers },
  })

describe('origin checks', () => {
  test('a WebSocket upgrade from a foreign Origin is refused with 403 forbidden_origin', async () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null', 'https://chat.example.com:8443']) {
      const res = await upgrade({ Origin: origin })
      expect(res.status).toBe(403)
      expect((await res.json()).error.code).toBe('forbidden_origin')
    }
  })

  test('an allowed Origin, or none at all (a non-browser client), gets a session', async () => {
    const browser = await TestClient.connect(app.wsUrl, { Origin: 'https://chat.example.com' })
    const bot = await TestClient.connect(app.wsUrl)
    expect(browser.session).toMatch(/^[\w-]{20,}$/)
    expect(bot.session).toMatch(/^[\w-]{20,}$/)
    browser.close()
    bot.close()
  })

  test('an upload from a foreign Origin is refused before any handler runs', async () => {
    const res = await fetch(`${app.url}/upload/some-ticket`, { method: 'PUT', body: 'bytes', headers: { Origin: 'https://evil.example' } })
    expect(res.status).toBe(403)
    expect((await res.json()).error.code).toBe('forbidden_origin')
  })
})

describe('security headers', () => {
  test('pages carry a CSP for the PWA and the other hardening headers, without HSTS over plain http', async () => {
    const res = await fetch(`${app.url}/`, { headers: { Accept: 'text/html' } })
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:3000")
    expect(csp).toContain("img-src 'self' blob: data:")
    expect(csp).toContain("media-src 'self' blob: data:")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('permissions-policy')).toBe('microphone=(self), camera=(self), geolocation=()')
    expect(res.headers.get('strict-transport-security')).toBeNull()
  })

  test('API answers and errors carry them too', async () => {
    for (const [path, status] of [
      ['/healthz', 200],
      ['/trpc/interests.popular', 200],
      ['/nope.js', 404],
    ] as const) {
      const res = await fetch(app.url + path)
      expect(res.status).toBe(status)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    }
  })

  test('HSTS is sent when a trusted proxy says the client used https, and not when anyone else says so', async () => {
    const viaProxy = await fetch(`${app.url}/healthz`, { headers: { 'X-Forwarded-Proto': 'https' } })
    expect(viaProxy.headers.get('strict-transport-security')).toBe(HSTS)

    const untrusting = await startTestApp({ TRUSTED_PROXIES: '' })
    try {
      const res = await fetch(`${untrusting.url}/healthz`, { headers: { 'X-Forwarded-Proto': 'https' } })
      expect(res.headers.get('strict-transport-security')).toBeNull()
    } finally {
      await untrusting.close()
    }
  })

  test('HSTS is always sent when PUBLIC_URL is https, and the CSP names the wss URL', async () => {
    const tls = await startTestApp({ PUBLIC_URL: 'https://chat.example.com' })
    try {
      const res = await fetch(`${tls.url}/healthz`)
      expect(res.headers.get('strict-transport-security')).toBe(HSTS)
      expect(res.headers.get('content-security-policy')).toContain("connect-src 'self' wss://chat.example.com")
    } finally {
      await tls.close()
    }
  })
})
