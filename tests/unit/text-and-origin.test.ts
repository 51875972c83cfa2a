import { describe, expect, test } from 'bun:test'
import { cleanText } from '../../api/chat/text'
import { checkOrigin, originSet } from '../../api/safety/origin'
import { contentSecurityPolicy } from '../../api/safety/headers'
import { clientIp, isTrustedPeer } from '../../api/safety/client-ip'

describe('cleanText', () => {
  test('drops control characters and bidi overrides, keeps newlines, tabs, emoji and RTL scripts', () => {
    expect(cleanText('a\u0000b\u0007c\u001b[31md')).toBe('abc[31md')
    expect(cleanText('evil\u202egnp.exe')).toBe('evilgnp.exe')
    expect(cleanText('\u2066isolated\u2069')).toBe('isolated')
    expect(cleanText('line1\nline2\tx')).toBe('line1\nline2\tx')
    expect(cleanText('שלום مرحبا 👋🏽 👨‍👩‍👧')).toBe('שלום مرحبا 👋🏽 👨‍👩‍👧')
    expect(cleanText('a\u2028b')).toBe('a\nb')
  })

  test('lone surrogates become U+FFFD, pairs stay', () => {
    expect(cleanText('x\ud800y')).toBe('x\ufffdy')
    expect(cleanText('x\udc00')).toBe('x\ufffd')
    expect(cleanText('\ud83d\ude00')).toBe('😀')
  })
})

describe('origin check', () => {
  const allowed = originSet(['https://chat.example.com', 'http://127.0.0.1:3000'])
  test('no Origin header is a non-browser client and passes', () => {
    expect(checkOrigin(null, allowed)).toBe('absent')
  })
  test('listed origins pass, normalised (case, default port)', () => {
    expect(checkOrigin('https://chat.example.com', allowed)).toBe('allowed')
    expect(checkOrigin('HTTPS://Chat.Example.com:443', allowed)).toBe('allowed')
    expect(checkOrigin('http://127.0.0.1:3000', allowed)).toBe('allowed')
  })
  test('a loopback origin also allows its loopback aliases, on the same scheme and port only', () => {
    const local = originSet(['http://localhost:3000'])
    expect(checkOrigin('http://127.0.0.1:3000', local)).toBe('allowed')
    expect(checkOrigin('http://[::1]:3000', local)).toBe('allowed')
    expect(checkOrigin('http://127.0.0.1:3001', local)).toBe('forbidden')
    expect(checkOrigin('https://localhost:3000', local)).toBe('forbidden')
    expect(checkOrigin('http://localhost.evil.example:3000', local)).toBe('forbidden')
  })
  test('anything else is forbidden: other hosts, ports, schemes, "null", junk', () => {
    for (const o of [
      'https://evil.example',
      'http://chat.example.com',
      'https://chat.example.com.evil.example',
      'http://127.0.0.1:3001',
      'null',
      '',
      'file://',
      'javascript:alert(1)',
      'x'.repeat(5000),
    ]) {
      expect(checkOrigin(o, allowed)).toBe('forbidden')
    }
  })
})

describe('security headers', () => {
  test('CSP allows only this origin, its WebSocket URL and blob/data media, with no inline script or eval', () => {
    const csp = contentSecurityPolicy('https://chat.example.com')
    expect(csp).toContain("default-src 'self'")
    // WebAssembly may be compiled (the video screen's TensorFlow.js backend); JS eval may not.
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain("'unsafe-eval'")
    expect(csp).toContain("connect-src 'self' wss://chat.example.com")
    expect(csp).toContain("media-src 'self' blob: data:")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(contentSecurityPolicy('http://localhost:3000')).toContain("connect-src 'self' ws://localhost:3000")
  })
})

describe('client address', () => {
  test('X-Forwarded-For is believed only from a trusted proxy', () => {
    expect(clientIp('203.0.113.9', '10.0.0.1', ['loopback'])).toBe('203.0.113.9')
    expect(clientIp('127.0.0.1', '10.0.0.1', ['loopback'])).toBe('10.0.0.1')
    expect(clientIp('::ffff:127.0.0.1', 'spoofed, 10.0.0.2', ['loopback'])).toBe('10.0.0.2')
    expect(isTrustedPeer('::ffff:127.0.0.1', ['loopback'])).toBe(true)
    expect(isTrustedPeer('198.51.100.1', ['loopback'])).toBe(false)
    expect(isTrustedPeer(null, ['loopback'])).toBe(false)
  })
})
