// What push.subscribe accepts (api/push/subscription.ts) and the push settings (api/config.ts).
import { describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig } from '../../api/config'
import { endpointProblem, subscriptionInput } from '../../api/push/subscription'

const hosts = { pushServiceHosts: ['fcm.googleapis.com', 'push.apple.com'], pushAllowLoopback: false }
const keys = { p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url'), auth: Buffer.alloc(16, 2).toString('base64url') }

describe('push endpoints', () => {
  test('a known push service over https is kept, subdomains too', () => {
    expect(endpointProblem('https://fcm.googleapis.com/fcm/send/x', hosts)).toBeNull()
    expect(endpointProblem('https://web.push.apple.com/abc', hosts)).toBeNull()
    expect(endpointProblem('https://FCM.googleapis.com:443/x', hosts)).toBeNull()
  })
  test('anything else is refused, with the reason', () => {
    expect(endpointProblem('https://evil.example/x', hosts)).toContain('push service')
    expect(endpointProblem('https://notpush.apple.com.evil.example/x', hosts)).toContain('push service')
    expect(endpointProblem('https://xpush.apple.com/x', hosts)).toContain('push service')
    expect(endpointProblem('http://fcm.googleapis.com/x', hosts)).toContain('https')
    expect(endpointProblem('https://fcm.googleapis.com:8443/x', hosts)).toContain('port')
    expect(endpointProblem('https://a:b@fcm.googleapis.com/x', hosts)).toContain('credentials')
    expect(endpointProblem('nope', hosts)).toContain('absolute URL')
    expect(endpointProblem('http://127.0.0.1:9/x', hosts)).toContain('https')
  })
  test('loopback http only when the test setting is on', () => {
    const dev = { ...hosts, pushAllowLoopback: true }
    expect(endpointProblem('http://127.0.0.1:9000/p', dev)).toBeNull()
    expect(endpointProblem('http://[::1]:9000/p', dev)).toBeNull()
    expect(endpointProblem('http://localhost:9000/p', dev)).toContain('https')
    expect(endpointProblem('http://10.0.0.1/p', dev)).toContain('https')
  })
  test('the input keeps only the endpoint and the two keys', () => {
    const r = subscriptionInput(hosts).safeParse({ endpoint: 'https://fcm.googleapis.com/x', expirationTime: null, keys })
    expect(r.success && r.data).toEqual({ endpoint: 'https://fcm.googleapis.com/x', keys })
    expect(subscriptionInput(hosts).safeParse({ endpoint: 'https://fcm.googleapis.com/x', keys: { ...keys, auth: keys.auth.slice(1) } }).success).toBe(false)
  })
})

describe('push settings', () => {
  test('defaults: on, the browsers push services, a mailto subject for an http origin, an https one otherwise', () => {
    const c = loadConfig({})
    expect(c.pushEnabled).toBe(true)
    expect(c.pushServiceHosts).toContain('fcm.googleapis.com')
    expect(c.vapidSubject).toBe('mailto:push@localhost')
    expect(c.pushAllowLoopback).toBe(false)
    expect(loadConfig({ PUBLIC_URL: 'https://chat.example.com' }).vapidSubject).toBe('https://chat.example.com')
  })
  test('bad values stop start-up naming the variable', () => {
    const fails = (env: Record<string, string>, name: string) => {
      try {
        loadConfig(env)
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError)
        return expect((e as ConfigError).variable).toBe(name)
      }
      throw new Error(`expected ${name} to be refused`)
    }
    fails({ VAPID_PUBLIC_KEY: 'B'.repeat(87) }, 'VAPID_PRIVATE_KEY')
    fails({ VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY: 'a'.repeat(43) }, 'VAPID_PUBLIC_KEY')
    fails({ VAPID_PUBLIC_KEY: 'B'.repeat(87), VAPID_PRIVATE_KEY: 'a+'.repeat(22) }, 'VAPID_PRIVATE_KEY')
    fails({ VAPID_SUBJECT: 'http://example.com' }, 'VAPID_SUBJECT')
    fails({ PUSH_SERVICE_HOSTS: 'https://fcm.googleapis.com' }, 'PUSH_SERVICE_HOSTS')
    fails({ PUSH_TIMEOUT_MS: '5' }, 'PUSH_TIMEOUT_MS')
    fails({ PUSH_ALLOW_LOOPBACK: 'maybe' }, 'PUSH_ALLOW_LOOPBACK')
  })
})
