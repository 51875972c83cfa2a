// Resume: a dropped client comes back with ?resume= and loses nothing; past the window it does not.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import type { TestClient } from '../support/ws-client'
import { pair } from '../support/ws-client'

let app: TestApp
const open: TestClient[] = []
const track = (c: TestClient) => (open.push(c), c)
const client = async (resume?: string) => track(await app.client(resume ? { resume } : undefined))
const interest = () => 'r-' + Math.random().toString(36).slice(2, 10)

beforeAll(async () => {
  app = await startTestApp({ ...LIFTED_LIMITS, RESUME_WINDOW_MS: '1000', MATCH_FALLBACK_MS: '60000' })
})
afterAll(async () => {
  for (const c of open) c.close()
  await app.close()
})

describe('resume within the window', () => {
  test('messages sent while a client was away are replayed in order; the partner sees reconnecting then back', async () => {
    const { a, b, chat } = await pair(client, interest())
    a.send({ type: 'text', id: 'before', body: 'before the drop' })
    await b.next('text')
    await a.next('delivered')
    a.send({ type: 'ack', seq: a.lastSeq() })
    await Bun.sleep(20)
    a.drop()
    expect(await b.next('partner')).toEqual({ type: 'partner', state: 'reconnecting' })
    for (let i = 0; i < 5; i++) b.send({ type: 'text', id: `away-${i}`, body: `while you were away ${i}` })
    // b's messages are kept for a, but `delivered` means a's connection has them: not yet.
    expect(await b.nothing('delivered', 150)).toBe(true)

    const a2 = await client(a.session)
    // a is back and gets the replay: now b hears that each one was delivered, in order.
    for (let i = 0; i < 5; i++) expect((await b.next('delivered')).id).toBe(`away-${i}`)
    const hello = a2.frames[0]!
    expect(hello).toMatchObject({ type: 'hello', session: a.session, resumed: true })
    // only what a had not acknowledged, in order, with increasing seqs continuing a's sequence
    for (let i = 0; i < 5; i++) await a2.next('text')
    const replay = a2.frames.slice(1, 6)
    expect(replay.map(f => (f.type === 'text' ? f.body : f.type))).toEqual([0, 1, 2, 3, 4].map(i => `while you were away ${i}`))
    const seqs = replay.map(f => (f as { seq: number }).seq)
    expect(seqs[0]).toBe(a.lastSeq() + 1)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(await b.next('partner')).toEqual({ type: 'partner', state: 'back' })
    // the chat goes on in both directions
    expect(app.services.hub.session(a.session)?.chat?.id).toBe(chat)
    a2.send({ type: 'text', id: 'after', body: 'back again' })
    expect((await b.next('text')).body).toBe('back again')
    b.send({ type: 'text', id: 'b-after', body: 'welcome back' })
    expect((await a2.next('text')).body).toBe('welcome back')
  })

  test('nothing is lost: every unacknowledged frame is replayed, even ones the client had received', async () => {
    const { a, b } = await pair(client, interest())
    b.send({ type: 'text', id: 'x1', body: 'one' })
    b.send({ type: 'text', id: 'x2', body: 'two' })
    await a.next('text')
    await a.next('text')
    const ackUpTo = a.all('matched')[0]!.seq // a acknowledges only the matched frame
    a.send({ type: 'ack', seq: ackUpTo })
    await Bun.sleep(20)
    a.drop()
    await b.next('partner')
    b.send({ type: 'text', id: 'x3', body: 'three' })
    // Held while a is away (see the first test); it comes with a's resume.
    expect(await b.nothing('delivered', 150)).toBe(true)
    const a2 = await client(a.session)
    expect((await b.next('delivered')).id).toBe('x3')
    await a2.next('text')
    await a2.next('text')
    await a2.next('text')
    expect(a2.all('text').map(t => t.body)).toEqual(['one', 'two', 'three'])
    expect(a2.all('matched')).toEqual([]) // acknowledged, so freed
    expect(a2.all('text')[0]!.seq).toBe(ackUpTo + 1)
  })

  test('a resent text id after a resume is answered with the original receipt and not relayed twice', async () => {
    const { a, b } = await pair(client, interest())
    a.send({ type: 'text', id: 'once', body: 'only once please' })
    const d = await a.next('delivered')
    await b.next('text')
    a.drop()
    await b.next('partner')
    const a2 = await client(a.session)
    await b.next('partner')
    const mb = b.mark()
    a2.send({ type: 'text', id: 'once', body: 'only once please' })
    const d2 = await a2.after(1, 'delivered') // the replayed receipt
    expect(d2.seq).toBe(d.seq)
    await Bun.sleep(50)
    const receipts = a2.all('delivered').filter(x => x.id === 'once')
    expect(receipts.length).toBe(2) // the replay and the answer to the resend, both the original
    expect(new Set(receipts.map(r => r.seq))).toEqual(new Set([d.seq]))
    expect(b.since(mb).filter(f => f.type === 'text')).toEqual([])
    expect(b.all('text').filter(t => t.body === 'only once please')).toHaveLength(1)
  })

  test('a message id may be reused in the next chat', async () => {
    const x = interest()
    const { a, b } = await pair(client, x)
    a.send({ type: 'text', id: '1', body: 'first chat' })
    await b.next('text')
    a.send({ type: 'leave' })
    await b.next('ended')
    const c = await client()
    c.send({ type: 'find', interests: [x], random: false })
    await c.next('queued')
    a.send({ type: 'find', interests: [x], random: false })
    await a.next('matched')
    a.send({ type: 'text', id: '1', body: 'second chat' })
    expect((await c.next('text')).body).toBe('second chat')
  })

  test('a client that resumes while queued is queued again', async () => {
    const x = interest()
    const a = await client()
    a.send({ type: 'find', interests: [x], random: false })
    await a.next('queued')
    a.drop()
    await Bun.sleep(50)
    const a2 = await client(a.session)
    expect(await a2.next('queued')).toMatchObject({ interests: [x] })
    const c = await client()
    c.send({ type: 'find', interests: [x], random: false })
    const [m1, m2] = await Promise.all([a2.next('matched'), c.next('matched')])
    expect(m1.chat).toBe(m2.chat)
  })

  test('resuming a session that is still connected takes it over; the old socket is closed with 4001', async () => {
    const { a, b } = await pair(client, interest())
    const a2 = await client(a.session)
    expect(a2.frames[0]).toMatchObject({ type: 'hello', resumed: true, session: a.session })
    expect((await a.waitClose()).code).toBe(4001)
    a2.send({ type: 'text', id: 't', body: 'from the new socket' })
    expect((await b.next('text')).body).toBe('from the new socket')
    // the takeover is not a drop: b's chat did not end
    expect(b.all('ended')).toEqual([])
  })

  test('a takeover while queued tells the new socket it is queued', async () => {
    const x = interest()
    const a = await client()
    a.send({ type: 'find', interests: [x], random: false })
    await a.next('queued')
    const a2 = await client(a.session)
    expect(await a2.next('queued')).toMatchObject({ interests: [x], random: false })
    await a.waitClose()
    expect(app.services.hub.stats().waiting).toBeGreaterThanOrEqual(1)
    const c = await client()
    c.send({ type: 'find', interests: [x], random: false })
    await Promise.all([a2.next('matched'), c.next('matched')])
  })
})

describe('the resume buffer', () => {
  test('holds the last RESUME_BUFFER_FRAMES unacknowledged frames; acks free exactly what they cover', async () => {
    const own = await startTestApp({ ...LIFTED_LIMITS, RESUME_BUFFER_FRAMES: '10' })
    try {
      const { a, b } = await pair(() => own.client().then(track), interest())
      for (let i = 0; i < 30; i++) b.send({ type: 'text', id: `o${i}`, body: `overflow ${i}` })
      for (let i = 0; i < 30; i++) await a.next('text')
      const last = a.lastSeq()
      a.drop()
      await b.next('partner')
      const a2 = track(await own.client({ resume: a.session }))
      for (let i = 0; i < 10; i++) await a2.next('text')
      // the oldest 20 (and the matched frame) were dropped; the newest 10 come back in order
      expect(a2.all('text').map(t => t.body)).toEqual(Array.from({ length: 10 }, (_, i) => `overflow ${i + 20}`))
      expect(a2.all('text').map(t => t.seq)).toEqual(Array.from({ length: 10 }, (_, i) => last - 9 + i))
      // ack part of it (and something already dropped: harmless), then resume again
      a2.send({ type: 'ack', seq: 1 })
      a2.send({ type: 'ack', seq: last - 3 })
      await Bun.sleep(30)
      a2.drop()
      await b.next('partner')
      const a3 = track(await own.client({ resume: a.session }))
      for (let i = 0; i < 3; i++) await a3.next('text')
      expect(a3.all('text').map(t => t.seq)).toEqual([last - 2, last - 1, last])
      expect(await a3.nothing('text', 100)).toBe(true)
      expect(a3.all('error')).toEqual([])
      a3.send({ type: 'ack', seq: last })
      a3.send({ type: 'ack', seq: last + 1 })
      expect((await a3.next('error')).code).toBe('bad_frame')
    } finally {
      await own.close()
    }
  })
})

describe('resume past the window, or with a bad token', () => {
  test('past RESUME_WINDOW_MS the partner gets ended timeout and the token gives a new session', async () => {
    const { a, b } = await pair(client, interest())
    a.drop()
    await b.next('partner')
    const ended = await b.next('ended', 3000)
    expect(ended).toMatchObject({ by: 'server', reason: 'timeout' })
    expect(app.services.hub.session(a.session)).toBeNull()
    const a2 = await client(a.session)
    expect(a2.frames[0]).toMatchObject({ type: 'hello', resumed: false })
    expect(a2.session).not.toBe(a.session)
    expect(app.services.hub.session(a2.session)?.state).toBe('idle')
  })

  test('after a goodbye (1000) the session is gone at once: its token, inside the window, gets a fresh session that works', async () => {
    const { a, b } = await pair(client, interest())
    a.send({ type: 'text', id: 'bye', body: 'bye' })
    await b.next('text')
    await a.next('delivered')
    a.close(1000)
    expect(await b.next('ended')).toMatchObject({ by: 'stranger', reason: 'left' })
    // Not kept for the window (1 s here): nothing waits for it to come back.
    for (let i = 0; i < 50 && app.services.hub.session(a.session); i++) await Bun.sleep(5)
    expect(app.services.hub.session(a.session)).toBeNull()
    const a2 = await client(a.session)
    expect(a2.frames[0]).toMatchObject({ type: 'hello', resumed: false })
    expect(a2.session).not.toBe(a.session)
    // A clean start: no replay, no error, and it can find again (and meet the same stranger's next try).
    expect(a2.frames.slice(1).filter(f => f.type !== 'online')).toEqual([])
    const again = interest()
    a2.send({ type: 'find', interests: [again], random: false })
    await a2.next('queued')
    b.send({ type: 'find', interests: [again], random: false })
    expect((await a2.next('matched')).common).toEqual([again])
    expect(a2.frames.some(f => f.type === 'error')).toBe(false)
  })

  test('an unknown or forged resume token starts a new session', async () => {
    for (const token of ['A'.repeat(24), 'not-a-token', '../../etc/passwd', 'x'.repeat(500)]) {
      const c = await client(token)
      expect(c.frames[0]).toMatchObject({ type: 'hello', resumed: false })
      expect(c.session).not.toBe(token)
      c.close()
    }
  })
})
