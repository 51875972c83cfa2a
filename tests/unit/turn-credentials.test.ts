import { describe, expect, test } from 'bun:test'
import { iceConfig, turnCredential, turnPassword } from '../../api/rtc/turn-credentials'

describe('TURN credentials (coturn use-auth-secret)', () => {
  test('the password is base64(HMAC-SHA1(secret, username)), as openssl computes it', () => {
    // echo -n "1700003600:ref123" | openssl dgst -sha1 -hmac "the-shared-secret" -binary | base64
    expect(turnPassword('the-shared-secret', '1700003600:ref123')).toBe('x71cLNbOMDX6wHP9W7bwSzw0vSo=')
  })

  test('the username is <expiry unix seconds>:<user ref>, the expiry now + ttl', () => {
    const c = turnCredential({ secret: 'the-shared-secret', userRef: 'ref123', ttlSeconds: 3600, nowMs: 1_700_000_000_999 })
    expect(c).toEqual({ username: '1700003600:ref123', credential: 'x71cLNbOMDX6wHP9W7bwSzw0vSo=', expiresAt: 1_700_003_600_000 })
  })

  test('the ICE configuration is relay-only, every URL with the one credential', () => {
    const urls = ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349?transport=tcp']
    const ice = iceConfig({ turnUrls: urls, secret: 's'.repeat(16), userRef: 'r', ttlSeconds: 60, nowMs: 0 })
    expect(ice.iceTransportPolicy).toBe('relay')
    expect(ice.iceServers).toEqual([{ urls, username: '60:r', credential: turnPassword('s'.repeat(16), '60:r') }])
    expect(ice.expiresAt).toBe(60_000)
  })
})
