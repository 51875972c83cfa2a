import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../api/config'
import { renderTurnConfig, turnValuesFromConfig } from '../../ops/coturn/render'

const ENV = { PUBLIC_URL: 'https://chat.example.com', TURN_URLS: 'turn:chat.example.com:3478', TURN_SECRET: 'abcdefghijklmnopqrstuvwxyz012345' }
/** The rendered config without comments and blank lines. */
const code = (conf: string) =>
  conf
    .split('\n')
    .filter(l => l.trim() && !l.trimStart().startsWith('#'))
    .join('\n')

describe('ops/coturn/render.ts', () => {
  test("the secret is the app's TURN_SECRET, the realm and certificate follow PUBLIC_URL, TLS on 5349, a relay port range", () => {
    const c = code(renderTurnConfig(turnValuesFromConfig(loadConfig(ENV))))
    expect(c).not.toContain('@')
    for (const line of [
      'use-auth-secret',
      'static-auth-secret=abcdefghijklmnopqrstuvwxyz012345',
      'realm=chat.example.com',
      'listening-port=3478',
      'tls-listening-port=5349',
      'cert=/etc/letsencrypt/live/chat.example.com/fullchain.pem',
      'pkey=/etc/letsencrypt/live/chat.example.com/privkey.pem',
      'min-port=49160',
      'max-port=49999',
      'no-cli',
    ])
      expect(c.split('\n')).toContain(line)
  })

  test('private, loopback and link-local peers are denied, IPv4 and IPv6; loopback peers are never allowed', () => {
    const c = code(renderTurnConfig(turnValuesFromConfig(loadConfig(ENV))))
    for (const range of ['10.0.0.0-10.255.255.255', '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255', '127.0.0.0-127.255.255.255', '169.254.0.0-169.254.255.255', '::1'])
      expect(c.split('\n')).toContain(`denied-peer-ip=${range}`)
    expect(c).toMatch(/^denied-peer-ip=fc00::-/m)
    expect(c).toMatch(/^denied-peer-ip=fe80::-/m)
    expect(c).not.toContain('allow-loopback-peers')
  })

  test('refuses to render without TURN_SECRET, or with values that would add a line', () => {
    expect(() => turnValuesFromConfig(loadConfig({ PUBLIC_URL: 'https://chat.example.com' }))).toThrow(/TURN_SECRET/)
    const v = turnValuesFromConfig(loadConfig(ENV))
    expect(() => renderTurnConfig({ ...v, TLS_CERT: '/x\nallow-loopback-peers' })).toThrow(/TLS_CERT/)
    expect(() => renderTurnConfig({ ...v, MIN_PORT: '70000' })).toThrow(/MIN_PORT/)
    expect(() => renderTurnConfig({ ...v, MIN_PORT: '50000', MAX_PORT: '49000' })).toThrow(/MIN_PORT/)
    expect(() => renderTurnConfig(v, 'realm=@NOPE@')).toThrow(/@NOPE@/)
  })
})
