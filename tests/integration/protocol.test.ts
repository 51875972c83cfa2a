// Every row of the wire contract, driven over real WebSockets against the real server.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ERROR_CODES } from '../../api/chat/protocol'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import { pair, type TestClient } from '../support/ws-client'

let app: TestApp
const open: TestClient[] = []
const client = async () => {
  const c = await app.client()
  open.push(c)
  return c
}
const interest = () => 'i-' + Math.random().toString(36).slice(2, 10)

beforeAll(async () => {
  app = await startTestApp({ ...LIFTED_LIMITS, MAX_TEXT_LENGTH: '100', MATCH_FALLBACK_MS: '60000', REPAIR_COOLDOWN_MS: '60000' })
})
afterAll(async () => {
  for (const c of open) c.close()
  await app.close()
})

describe('hello', () => {
  test('the first frame carries a fresh session token of at least 128 url-safe bits, the online count and the limits', async () => {
    const a = await client()
    const b = await client()
    const hello = a.frames[0]!
    expect(hello.type).toBe('hello')
    if (hello.type !== 'hello') return
    expect(hello.session).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(hello.session.length * 6).toBeGreaterThanOrEqual(128)
    expect(hello.resumed).toBe(false)
    expect(hello.online).toBeGreaterThanOrEqual(1)
    expect(hello.limits).toEqual({ maxTextLength: 100, maxUploadBytes: 1_048_576, mediaTtlSeconds: 1800 })
    expect(b.session).not.toBe(a.session)
  })

  test('a plain GET on the chat path is refused with 426', async () => {
    const res = await fetch(app.url + '/chat')
    expect(res.status).toBe(426)
    expect((await res.json()).error.code).toBe('expected_websocket')
  })
})

describe('find, queued, matched', () => {
  test('queued echoes the normalised interests; matched names the chat and what both share', async () => {
    const a = await client()
    const b = await client()
    const [x, y] = [interest(), interest()]
    a.send({ type: 'find', interests: [`  ${x.toUpperCase()} `, y, 'only-a-' + x], random: false })
    expect(await a.next('queued')).toEqual({ type: 'queued', interests: [x, y, 'only-a-' + x], random: false })
    b.send({ type: 'find', interests: [y, x, 'only-b'] })
    const [ma, mb] = await Promise.all([a.next('matched'), b.next('matched')])
    expect(ma.chat).toBe(mb.chat)
    expect(ma.chat.length).toBeGreaterThan(10)
    expect(ma.common).toEqual([x, y]) // in the longest waiting side's order
    expect(mb.common).toEqual([x, y])
    expect(ma.seq).toBeGreaterThan(0)
    // every accepted find is answered with queued (the normalised interests), even when the
    // match follows at once
    expect(b.frames.map(f => f.type)).toEqual(['hello', 'queued', 'matched'])
    expect(b.all('queued')[0]).toEqual({ type: 'queued', interests: [y, x, 'only-b'], random: true })
  })

  test('find with no interests and random:false is refused: it could never match', async () => {
    const a = await client()
    a.send({ type: 'find', interests: [], random: false })
    expect(await a.next('error')).toMatchObject({ code: 'bad_frame' })
    expect(app.services.hub.session(a.session)?.state).toBe('idle')
  })
})

describe('text, delivered, typing', () => {
  test('a text reaches the partner with a seq and time; the sender gets delivered with its own id', async () => {
    const { a, b } = await pair(client, interest())
    const before = Date.now()
    a.send({ type: 'text', id: 'm-1', body: 'hello <b>there</b> 👋' })
    const t = await b.next('text')
    expect(t).toMatchObject({ type: 'text', body: 'hello <b>there</b> 👋', from: 'stranger' })
    expect(t.at).toBeGreaterThanOrEqual(before - 5)
    const d = await a.next('delivered')
    expect(d).toMatchObject({ type: 'delivered', id: 'm-1', at: t.at })
    // seq is per session and increasing
    expect(t.seq).toBeGreaterThan(b.all('matched')[0]!.seq)
    expect(d.seq).toBeGreaterThan(a.all('matched')[0]!.seq)
    b.send({ type: 'text', id: 'm-1', body: 'same id, other side' })
    expect((await a.next('text')).body).toBe('same id, other side')
  })

  test('messages arrive in the order sent, each exactly once', async () => {
    const { a, b } = await pair(client, interest())
    for (let i = 0; i < 50; i++) a.send({ type: 'text', id: `n${i}`, body: `msg ${i}` })
    for (let i = 0; i < 50; i++) expect((await b.next('text')).body).toBe(`msg ${i}`)
    const seqs = b.all('text').map(t => t.seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(a.all('delivered').map(d => d.id)).size).toBe(50)
  })

  test('typing is relayed to the partner only', async () => {
    const { a, b } = await pair(client, interest())
    a.send({ type: 'typing', active: true })
    expect(await b.next('typing')).toEqual({ type: 'typing', active: true })
    a.send({ type: 'typing', active: false })
    expect(await b.next('typing')).toEqual({ type: 'typing', active: false })
    expect(a.all('typing')).toEqual([])
  })

  test('text outside a chat is refused with not_in_chat; typing outside a chat is dropped', async () => {
    const a = await client()
    a.send({ type: 'typing', active: true })
    a.send({ type: 'text', id: 'x', body: 'anyone?' })
    expect(await a.next('error')).toMatchObject({ code: 'not_in_chat' })
    expect(a.all('error')).toHaveLength(1)
  })
})

describe('next', () => {
  test('the nexting side is re-queued with the same interests and told you/next; the other is told stranger/next and stays idle', async () => {
    const x = interest()
    const { a, b } = await pair(client, x)
    const mb = b.mark()
    b.send({ type: 'next' })
    expect(await b.next('ended')).toMatchObject({ by: 'you', reason: 'next' })
    expect(await b.next('queued')).toEqual({ type: 'queued', interests: [x], random: false })
    expect(await a.next('ended')).toMatchObject({ by: 'stranger', reason: 'next' })
    expect(await a.nothing('queued', 150)).toBe(true)
    expect(app.services.hub.session(a.session)?.state).toBe('idle')
    a.send({ type: 'text', id: 'late', body: 'still there?' })
    expect(await a.next('error')).toMatchObject({ code: 'not_in_chat' })
    // b is really waiting: a newcomer with the same interest meets b (not a: a is idle)
    const c = await client()
    c.send({ type: 'find', interests: [x] })
    const mc = await c.next('matched')
    expect((await b.after(mb, 'matched')).chat).toBe(mc.chat)
  })

  test('next while queued re-queues; next when idle queues with the last interests', async () => {
    const x = interest()
    const a = await client()
    a.send({ type: 'find', interests: [x], random: false })
    await a.next('queued')
    a.send({ type: 'next' })
    expect(await a.next('queued')).toMatchObject({ interests: [x] })
    a.send({ type: 'leave' })
    await Bun.sleep(50)
    expect(app.services.hub.session(a.session)?.state).toBe('idle')
    a.send({ type: 'next' })
    expect(await a.next('queued')).toMatchObject({ interests: [x], random: false })
  })
})

describe('leave and ended', () => {
  test('leave from a chat: you/left and stranger/left, both idle', async () => {
    const { a, b } = await pair(client, interest())
    a.send({ type: 'leave' })
    const ea = await a.next('ended')
    const eb = await b.next('ended')
    expect(ea).toMatchObject({ type: 'ended', by: 'you', reason: 'left' })
    expect(eb).toMatchObject({ type: 'ended', by: 'stranger', reason: 'left' })
    expect(ea.seq).toBeGreaterThan(0)
    expect(eb.seq).toBeGreaterThan(0)
    await Bun.sleep(30)
    expect(app.services.hub.session(a.session)?.state).toBe('idle')
    expect(app.services.hub.session(b.session)?.state).toBe('idle')
    expect(app.services.hub.session(a.session)?.lastChat?.partnerId).toBe(b.session)
  })

  test('leave from the queue: nobody is matched with the leaver', async () => {
    const x = interest()
    const a = await client()
    a.send({ type: 'find', interests: [x], random: false })
    await a.next('queued')
    a.send({ type: 'leave' })
    await Bun.sleep(30)
    const c = await client()
    c.send({ type: 'find', interests: [x], random: false })
    await c.next('queued')
    expect(await c.nothing('matched', 150)).toBe(true)
    expect(a.all('matched')).toEqual([])
  })

  test('closing with 1000 ends the chat for the partner at once (stranger/left)', async () => {
    const { a, b } = await pair(client, interest())
    a.close(1000)
    expect(await b.next('ended', 1000)).toMatchObject({ by: 'stranger', reason: 'left' })
    expect(b.all('partner')).toEqual([])
  })

  test('a dropped socket is not a goodbye: the partner sees partner:reconnecting', async () => {
    const { a, b } = await pair(client, interest())
    a.drop()
    expect(await b.next('partner')).toEqual({ type: 'partner', state: 'reconnecting' })
    expect(b.all('ended')).toEqual([])
  })
})

describe('ack', () => {
  test('ack for a seq not yet sent is refused; a valid ack is silent', async () => {
    const { a } = await pair(client, interest())
    const seq = a.lastSeq()
    a.send({ type: 'ack', seq })
    a.send({ type: 'ack', seq: seq + 1000 })
    const err = await a.next('error')
    expect(err.code).toBe('bad_frame')
    expect(err.message).toContain('has not been sent')
    expect(a.all('error')).toHaveLength(1)
  })
})

describe('errors', () => {
  test('bad frames get an error with a stable code and the connection stays open', async () => {
    const a = await client()
    const cases: Array<[string | Uint8Array<ArrayBuffer>, string]> = [
      ['{not json', 'bad_json'],
      ['[1,2]', 'bad_json'],
      [JSON.stringify({ type: 'dance' }), 'unknown_type'],
      [JSON.stringify({ kind: 'text' }), 'unknown_type'],
      [JSON.stringify({ type: 'find', interests: 'jazz' }), 'bad_frame'],
      [JSON.stringify({ type: 'find', interests: Array.from({ length: 11 }, (_, i) => `i${i}`) }), 'bad_frame'],
      [JSON.stringify({ type: 'find', interests: ['x'.repeat(33)] }), 'bad_frame'],
      [JSON.stringify({ type: 'text', id: 'a', body: 'x'.repeat(101) }), 'bad_frame'],
      [JSON.stringify({ type: 'text', id: '', body: 'hi' }), 'bad_frame'],
      [JSON.stringify({ type: 'typing', active: 1 }), 'bad_frame'],
      [JSON.stringify({ type: 'ack', seq: -3 }), 'bad_frame'],
      [new Uint8Array([1, 2, 3]), 'binary_not_supported'],
      [JSON.stringify({ type: 'text', id: 'a', body: 'x'.repeat(40_000) }), 'too_large'],
    ]
    for (const [frame, code] of cases) {
      a.ws.send(frame)
      const err = await a.next('error')
      expect({ frame: String(frame).slice(0, 60), code: err.code as string }).toEqual({ frame: String(frame).slice(0, 60), code })
      expect(err.message.length).toBeGreaterThan(5)
      expect(ERROR_CODES).toContain(err.code)
    }
    expect(a.closed).toBeNull()
    // still fully usable
    a.send({ type: 'find', interests: [interest()] })
    expect(await a.next('queued')).toMatchObject({ type: 'queued' })
  })

  test('a frame far above the limit closes the socket with 1009 without parsing it', async () => {
    const a = await client()
    a.send('x'.repeat(200_000))
    expect((await a.waitClose()).code).toBe(1009)
  })

  test('a client that keeps sending bad frames is closed with 1008', async () => {
    const a = await client()
    for (let i = 0; i < 40; i++) a.send('nope')
    expect((await a.waitClose()).code).toBe(1008)
    expect(a.all('error').length).toBeGreaterThan(10)
  })
})

describe('online', () => {
  test('connected clients get online count updates', async () => {
    const own = await startTestApp({ ...LIFTED_LIMITS, ONLINE_BROADCAST_MS: '100' })
    try {
      const a = await own.client()
      expect(a.frames[0]).toMatchObject({ type: 'hello', online: 1 })
      const b = await own.client()
      expect(b.frames[0]).toMatchObject({ type: 'hello', online: 2 })
      await a.after(0, 'online', 2000)
      const c = await own.client()
      const m = a.mark()
      const seen = async (n: number) => {
        for (const until = Date.now() + 2000; Date.now() < until; await Bun.sleep(20)) {
          if (a.since(m).some(f => f.type === 'online' && f.count === n)) return true
        }
        return false
      }
      expect(await seen(3)).toBe(true)
      c.close()
      b.close()
      expect(await seen(1)).toBe(true)
      a.close()
    } finally {
      await own.close()
    }
  })
})
