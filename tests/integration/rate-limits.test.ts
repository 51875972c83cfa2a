import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import type { TestClient } from '../support/ws-client'
import { freshIp, fromIp, healthyPair, meet, person, uniqueInterest } from '../support/people'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({
    RATE_TEXT_PER_SECOND: '5',
    RATE_TEXT_BURST: '10',
    RATE_FINDS_PER_MINUTE: '4',
    RATE_PER_IP_FACTOR: '2',
    MAX_CONNECTIONS_PER_IP: '3',
    ABUSE_STRIKES_BEFORE_CLOSE: '20',
  })
})
afterAll(() => app.close())

/** Waits until `c` has had `n` answers of the given types (no fixed sleeps: the machine may be busy). */
async function answers(c: TestClient, types: string[], n: number, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs
  while (c.frames.filter(f => types.includes(f.type)).length < n) {
    if (Date.now() > until) throw new Error(`expected ${n} of ${types.join('/')}, got ${JSON.stringify(c.frames.slice(-5))}`)
    await Bun.sleep(5)
  }
}

/** The raw HTTP answer to a WebSocket upgrade request (refusals come back as JSON). */
function upgradeRequest(headers: Record<string, string>) {
  return fetch(app.wsUrl.replace(/^ws/, 'http'), {
    headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers },
  })
}

describe('rate limits', () => {
  test('a burst of texts over the limit is throttled with rate_limited and a retry-after; the socket stays open and the partner gets only what was accepted', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    for (let i = 0; i < 15; i++) a.send({ type: 'text', id: `m${i}`, body: `message ${i}` })
    await answers(a, ['delivered', 'error'], 15)
    const err = a.all('error')[0]!
    expect(err.code).toBe('rate_limited')
    expect(err.retryAfterMs).toBeGreaterThan(0)
    expect(err.retryAfterMs).toBeLessThanOrEqual(200)
    const relayed = a.all('delivered').length
    expect(relayed).toBeGreaterThanOrEqual(10)
    expect(relayed).toBeLessThan(15)
    await answers(b, ['text'], relayed)
    expect(b.all('text').length).toBe(relayed)
    expect(a.closed).toBeNull()
    // Waiting out the retry-after is enough to be heard again.
    await Bun.sleep(err.retryAfterMs! + 20)
    a.send({ type: 'text', id: 'later', body: 'after waiting' })
    let d = await a.next('delivered')
    while (d.id !== 'later') d = await a.next('delivered')
    expect(a.all('error').length).toBe(15 - relayed)
    a.close()
    b.close()
  })

  test('sustained abuse closes the socket with 1008', async () => {
    const a = await person(app)
    const b = await person(app)
    await meet(a, b)
    for (let i = 0; i < 200; i++) a.send({ type: 'text', id: `f${i}`, body: 'flood' })
    const closed = await a.waitClose()
    expect(closed.code).toBe(1008)
    expect(a.all('error').every(e => e.code === 'rate_limited')).toBe(true)
    // The partner was spared most of it and is still connected.
    expect(b.all('text').length).toBeLessThanOrEqual(15)
    expect(b.closed).toBeNull()
    b.close()
    await healthyPair(app)
  })

  test('finds and nexts are limited per minute per session, with the wait in retryAfterMs', async () => {
    const a = await person(app)
    for (let i = 0; i < 4; i++) {
      a.send({ type: 'find', interests: [uniqueInterest()], random: false })
      await a.next('queued')
    }
    a.send({ type: 'next' })
    const err = await a.next('error')
    expect(err.code).toBe('rate_limited')
    expect(err.retryAfterMs).toBeGreaterThan(10_000)
    expect(err.retryAfterMs).toBeLessThanOrEqual(15_000)
    a.close()
  })

  test('an address cycling through fresh sessions hits its own, larger find budget', async () => {
    const ip = freshIp()
    const refused: string[] = []
    for (let s = 0; s < 3; s++) {
      const c = await person(app, ip)
      try {
        // One at a time: a find that is still awaiting the ban check is superseded by the next one.
        for (let i = 1; i <= 4; i++) {
          c.send({ type: 'find', interests: [uniqueInterest()], random: false })
          await answers(c, ['queued', 'error'], i)
        }
        refused.push(...c.all('error').map(e => e.code))
      } finally {
        c.close()
        await c.waitClose()
      }
    }
    // 3 sessions × 4 finds against an address budget of 8.
    expect(refused.filter(c => c === 'rate_limited').length).toBe(4)
  })

  test('connections per address are capped with 429 too_many_connections, and a closed one frees its slot', async () => {
    const ip = freshIp()
    const open = [await person(app, ip), await person(app, ip), await person(app, ip)]
    const res = await upgradeRequest(fromIp(ip))
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1')
    expect((await res.json()).error.code).toBe('too_many_connections')
    // Another address is unaffected.
    const other = await person(app)
    open[0]!.close()
    await open[0]!.waitClose()
    await Bun.sleep(20)
    const again = await person(app, ip)
    expect(again.session).toBeTruthy()
    for (const c of [...open.slice(1), again, other]) c.close()
  })

  test('a frame over MAX_FRAME_BYTES is refused unparsed with too_large, and one far over it closes the socket with 1009', async () => {
    const a = await person(app)
    const limit = app.services.config.maxFrameBytes
    a.send(JSON.stringify({ type: 'text', id: 'big', body: 'x'.repeat(limit) }))
    expect((await a.next('error')).code).toBe('too_large')
    expect(a.closed).toBeNull()
    a.send('y'.repeat(Math.max(limit * 4, 64 * 1024) + 1))
    expect((await a.waitClose()).code).toBe(1009)
    await healthyPair(app)
  })

  test('the guard keeps its maps small: connection counts return to zero when everyone leaves', async () => {
    const guard = app.services.guard as unknown as { stats(): { connections: number; buckets: number } }
    const clients = await Promise.all(Array.from({ length: 10 }, () => person(app)))
    expect(guard.stats().connections).toBeGreaterThanOrEqual(10)
    for (const c of clients) c.close()
    await Promise.all(clients.map(c => c.waitClose()))
    await Bun.sleep(20)
    expect(guard.stats().connections).toBe(0)
  })
})
