import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../api/config'
import { createChatGuard } from '../../api/safety/chat-guard'
import type { BanStore } from '../../api/safety/bans'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'

function guardWith(env: Record<string, string>, banned: Map<string, number> = new Map(), failing = false) {
  let t = 1_000_000
  const bans = {
    activeUntil: async (ip: string) => {
      if (failing) throw Object.assign(new Error('db down'), { code: 'ECONNREFUSED' })
      const u = banned.get(ip)
      return u !== undefined && u > t ? u : null
    },
  } as BanStore
  const metrics = createMetrics()
  const guard = createChatGuard({ config: loadConfig({ ALLOWED_ORIGINS: 'https://chat.example.com', ...env }), bans, log: createLogger('silent'), metrics, now: () => t })
  return { guard, metrics, advance: (ms: number) => (t += ms), now: () => t }
}

const info = (ipHash: string, origin: string | null = null) => ({ ip: 'x', ipHash, origin })
const ctx = (sessionId: string, ipHash = 'ip1') => ({ sessionId, ipHash })

describe('chat guard', () => {
  test('refuses a foreign Origin with 403 and admits a missing one', () => {
    const { guard } = guardWith({})
    expect(guard.admitConnection(info('ip1', 'https://evil.example'))).toMatchObject({ code: 'forbidden_origin', status: 403 })
    expect(guard.admitConnection(info('ip1', 'https://chat.example.com'))).toBeNull()
    expect(guard.admitConnection(info('ip1', null))).toBeNull()
  })

  test('counts connections per IP hash and frees them on release', () => {
    const { guard } = guardWith({ MAX_CONNECTIONS_PER_IP: '2' })
    expect(guard.admitConnection(info('ip1'))).toBeNull()
    expect(guard.admitConnection(info('ip1'))).toBeNull()
    expect(guard.admitConnection(info('ip1'))).toMatchObject({ code: 'too_many_connections', status: 429 })
    expect(guard.admitConnection(info('ip2'))).toBeNull()
    guard.releaseConnection(info('ip1'))
    expect(guard.admitConnection(info('ip1'))).toBeNull()
    guard.releaseConnection(info('ip1'))
    guard.releaseConnection(info('ip1'))
    guard.releaseConnection(info('ip2'))
    expect(guard.stats().connections).toBe(0)
  })

  test('texts: a burst, then rate_limited with retryAfterMs, then allowed again after a refill', () => {
    const { guard, advance } = guardWith({ RATE_TEXT_PER_SECOND: '2', RATE_TEXT_BURST: '3' })
    const text = { type: 'text', id: 'x', body: 'hi' } as const
    for (let i = 0; i < 3; i++) expect(guard.checkFrame(ctx('s1'), text)).toBeNull()
    const r = guard.checkFrame(ctx('s1'), text)
    expect(r).toMatchObject({ code: 'rate_limited', retryAfterMs: 500 })
    advance(500)
    expect(guard.checkFrame(ctx('s1'), text)).toBeNull()
  })

  test('finds and nexts share a per-minute budget per session, and a larger one per IP hash', () => {
    const { guard } = guardWith({ RATE_FINDS_PER_MINUTE: '2', RATE_PER_IP_FACTOR: '2' })
    const find = { type: 'find' as const, interests: [] as string[], random: true }
    expect(guard.checkFrame(ctx('s1'), find)).toBeNull()
    expect(guard.checkFrame(ctx('s1'), { type: 'next' })).toBeNull()
    expect(guard.checkFrame(ctx('s1'), find)).toMatchObject({ code: 'rate_limited' })
    // A second session on the same address gets its own 2 but the address only has 4.
    expect(guard.checkFrame(ctx('s2'), find)).toBeNull()
    expect(guard.checkFrame(ctx('s2'), find)).toBeNull()
    expect(guard.checkFrame(ctx('s3'), find)).toMatchObject({ code: 'rate_limited' })
    expect(guard.checkFrame(ctx('s4', 'ip2'), find)).toBeNull()
  })

  test('a refused frame spends nothing from the other bucket', () => {
    const { guard } = guardWith({ RATE_FINDS_PER_MINUTE: '1', RATE_PER_IP_FACTOR: '1' })
    const find = { type: 'find' as const, interests: [] as string[], random: true }
    expect(guard.checkFrame(ctx('s1'), find)).toBeNull()
    // s1's own bucket is empty: the address bucket must not be charged for this refusal...
    expect(guard.checkFrame(ctx('s1'), find)).not.toBeNull()
    // ...but it is already empty from the first find, so s2 on the same address waits too.
    expect(guard.checkFrame(ctx('s2'), find)).not.toBeNull()
  })

  test('tickets per minute and reports per hour', () => {
    const { guard, advance } = guardWith({ RATE_TICKETS_PER_MINUTE: '1', RATE_REPORTS_PER_HOUR: '2' })
    expect(guard.checkAction('ticket', ctx('s1'))).toBeNull()
    expect(guard.checkAction('ticket', ctx('s1'))).toMatchObject({ code: 'rate_limited', retryAfterMs: 60_000 })
    expect(guard.checkAction('report', ctx('s1'))).toBeNull()
    expect(guard.checkAction('report', ctx('s2'))).toBeNull()
    const r = guard.checkAction('report', ctx('s3'))
    expect(r).toMatchObject({ code: 'rate_limited', retryAfterMs: 1_800_000 })
    advance(1_800_000)
    expect(guard.checkAction('report', ctx('s3'))).toBeNull()
  })

  test('checkFind refuses a banned IP hash with the time left', async () => {
    const banned = new Map([['bad', 1_000_000 + 90_000]])
    const { guard, advance } = guardWith({}, banned)
    expect(await guard.checkFind(ctx('s1', 'good'))).toBeNull()
    expect(await guard.checkFind(ctx('s1', 'bad'))).toMatchObject({ code: 'banned', retryAfterMs: 90_000 })
    advance(30_000)
    expect(await guard.checkFind(ctx('s1', 'bad'))).toMatchObject({ code: 'banned', retryAfterMs: 60_000 })
    advance(60_000)
    expect(await guard.checkFind(ctx('s1', 'bad'))).toBeNull()
  })

  test('a failing ban lookup fails open and is counted', async () => {
    const { guard, metrics } = guardWith({}, new Map(), true)
    expect(await guard.checkFind(ctx('s1', 'x'))).toBeNull()
    expect(metrics.value('ban_lookup_errors_total')).toBe(1)
  })
})
