// Web Push on a match (docs/push.md), against a local push service that checks the VAPID header
// and decrypts the payload as a browser would: a waiter whose socket is gone is woken when
// matched; one with its socket open is not; the subscription goes with the chat; a dead (410)
// or hanging push service never touches the chat. Runs on both backends (TEST_BACKEND).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import { startPushService, verifyVapid, type PushService, type Subscriber } from '../support/push-service'
import { trpcClient } from '../support/trpc-calls'
import type { TestClient } from '../support/ws-client'

let app: TestApp
let service: PushService
let publicKey = ''
const open: TestClient[] = []
const client = async (resume?: string) => {
  const c = await app.client(resume ? { resume } : undefined)
  open.push(c)
  return c
}
const interest = () => 'p-' + Math.random().toString(36).slice(2, 10)
const RESUME_WINDOW_MS = 5000

beforeAll(async () => {
  service = startPushService()
  app = await startTestApp({
    ...LIFTED_LIMITS,
    RESUME_WINDOW_MS: String(RESUME_WINDOW_MS),
    MATCH_FALLBACK_MS: '60000',
    PUSH_ALLOW_LOOPBACK: 'on',
    PUSH_TIMEOUT_MS: '500',
    PUSH_MIN_INTERVAL_SECONDS: '0',
  })
  publicKey = (await trpcClient(app.url).push.key.query()).publicKey!
})
afterAll(async () => {
  for (const c of open) if (!c.closed) c.close()
  await app.close()
  await service.stop()
})

async function subscribe(c: TestClient, s: Subscriber) {
  expect(await trpcClient(app.url, { session: c.session }).push.subscribe.mutate(s.subscription)).toEqual({ ok: true })
}

/** `a` searches, subscribes, and its socket drops (a phone suspending the page): it stays queued. */
async function waitingAway(topic: string, s: Subscriber) {
  const a = await client()
  a.send({ type: 'find', interests: [topic], random: false })
  await a.next('queued')
  await subscribe(a, s)
  a.drop()
  await a.waitClose()
  await Bun.sleep(50)
  return a
}

async function finds(topic: string) {
  const b = await client()
  b.send({ type: 'find', interests: [topic], random: false })
  return b
}

describe('push on a match', () => {
  test('the key is a P-256 public key, the same after a restart on the same DATA_DIR', async () => {
    expect(publicKey).toMatch(/^[\w-]{87}$/)
    expect(Buffer.from(publicKey, 'base64url')[0]).toBe(4)
    const again = await startTestApp({ PUSH_ALLOW_LOOPBACK: 'on' }, { dataDir: app.dataDir })
    try {
      expect((await trpcClient(again.url).push.key.query()).publicKey).toBe(publicKey)
    } finally {
      await again.stop()
    }
  })

  test('a matched waiter without a socket gets a signed, encrypted push saying only that; it resumes into the chat', async () => {
    const topic = interest()
    const s = service.subscriber()
    const a = await waitingAway(topic, s)
    const b = await finds(topic)
    const mb = await b.next('matched')
    // b learns its stranger is away (and back once it resumes).
    expect(await b.next('partner')).toEqual({ type: 'partner', state: 'reconnecting' })
    const [p] = await service.pushesFor(s)
    expect(p).toBeDefined()
    const claims = verifyVapid(p!, publicKey, s.subscription.endpoint)
    expect(claims.sub).toMatch(/^(mailto:|https:)/)
    expect(p!.headers['content-encoding']).toBe('aes128gcm')
    expect(p!.headers.ttl).toBe(String(RESUME_WINDOW_MS / 1000))
    expect(p!.headers.urgency).toBe('high')
    // Nothing private: no interest, no chat id, no text.
    const plain = s.open(p!)
    expect(JSON.parse(plain)).toEqual({ type: 'matched' })
    expect(plain).not.toContain(topic)
    // Tapping the notification opens the app, which resumes into the chat.
    const a2 = await client(a.session)
    const ma = await a2.next('matched')
    expect(ma.chat).toBe(mb.chat)
    expect(await b.next('partner')).toEqual({ type: 'partner', state: 'back' })
    b.send({ type: 'text', id: 't1', body: 'hello sleeper' })
    expect((await a2.next('text')).body).toBe('hello sleeper')
  })

  test('a woken waiter that comes back before any match is still searching, and is matched once', async () => {
    const topic = interest()
    const s = service.subscriber()
    const a = await waitingAway(topic, s)
    const a2 = await client(a.session)
    expect((await a2.next('queued')).interests).toEqual([topic])
    const b = await finds(topic)
    const [ma, mb] = await Promise.all([a2.next('matched'), b.next('matched')])
    expect(ma.chat).toBe(mb.chat)
    expect(await a2.nothing('matched', 300)).toBe(true)
    // Its socket was open at the match: no push.
    expect(await service.pushesFor(s, 1, 200)).toEqual([])
  })

  test('with its socket open, a subscribed waiter gets no push', async () => {
    const topic = interest()
    const s = service.subscriber()
    const a = await client()
    a.send({ type: 'find', interests: [topic], random: false })
    await a.next('queued')
    await subscribe(a, s)
    const b = await finds(topic)
    await a.next('matched')
    await b.next('matched')
    expect(await b.nothing('partner', 300)).toBe(true)
    expect(await service.pushesFor(s, 1, 300)).toEqual([])
  })

  test('the subscription goes with the chat: no push on the next match unless subscribed again', async () => {
    const topic = interest()
    const s = service.subscriber()
    const a = await client()
    a.send({ type: 'find', interests: [topic], random: false })
    await a.next('queued')
    await subscribe(a, s)
    const b = await finds(topic)
    await a.next('matched')
    await b.next('matched')
    b.send({ type: 'leave' })
    await a.next('ended')
    expect(await app.services.push!.store.get(a.session)).toBeNull()

    // Searching again without subscribing: a drop takes it out of the queue as before, and no push.
    const topic2 = interest()
    const mark = a.frames.length
    a.send({ type: 'find', interests: [topic2], random: false })
    await a.after(mark, 'queued')
    a.drop()
    await a.waitClose()
    await Bun.sleep(50)
    const c = await finds(topic2)
    await c.next('queued')
    expect(await c.nothing('matched', 300)).toBe(true)
    expect(await service.pushesFor(s, 1, 200)).toEqual([])
    c.close()

    // Back, searching and subscribed again: woken again.
    const a2 = await client(a.session)
    await a2.next('queued')
    await subscribe(a2, s)
    a2.drop()
    await a2.waitClose()
    await Bun.sleep(50)
    const d = await finds(topic2)
    await d.next('matched')
    const [p] = await service.pushesFor(s)
    expect(JSON.parse(s.open(p!))).toEqual({ type: 'matched' })
  })

  test('a session that expires takes its subscription with it', async () => {
    const s = service.subscriber()
    const a = await client()
    await subscribe(a, s)
    expect(await app.services.push!.store.get(a.session)).not.toBeNull()
    a.drop()
    await a.waitClose()
    const until = Date.now() + RESUME_WINDOW_MS + 3000
    while ((await app.services.push!.store.get(a.session)) && Date.now() < until) await Bun.sleep(100)
    expect(await app.services.push!.store.get(a.session)).toBeNull()
  }, 15_000)

  test('a push service answering 410 Gone: the subscription is deleted, the chat goes on', async () => {
    const topic = interest()
    const s = service.subscriber('gone')
    const a = await waitingAway(topic, s)
    const b = await finds(topic)
    await b.next('matched')
    expect((await service.pushesFor(s)).length).toBe(1)
    const until = Date.now() + 2000
    while ((await app.services.push!.store.get(a.session)) && Date.now() < until) await Bun.sleep(20)
    expect(await app.services.push!.store.get(a.session)).toBeNull()
    b.send({ type: 'text', id: 'g1', body: 'still here?' })
    const a2 = await client(a.session)
    await a2.next('matched')
    expect((await a2.next('text')).body).toBe('still here?')
    expect((await b.next('delivered')).id).toBe('g1')
  })

  test('a push service that never answers: the chat goes on, the push is given up', async () => {
    const topic = interest()
    const s = service.subscriber('hang')
    const a = await waitingAway(topic, s)
    const started = performance.now()
    const b = await finds(topic)
    await b.next('matched')
    // The match did not wait for the push.
    expect(performance.now() - started).toBeLessThan(400)
    expect((await service.pushesFor(s)).length).toBe(1)
    b.send({ type: 'text', id: 'h1', body: 'anyone?' })
    const a2 = await client(a.session)
    await a2.next('matched')
    expect((await a2.next('text')).body).toBe('anyone?')
    // Given up after PUSH_TIMEOUT_MS, counted as a timeout.
    await Bun.sleep(700)
    const metrics = await (await fetch(`${app.url}/metrics`)).text()
    expect(metrics).toMatch(/pushes_total\{result="timeout"\} [1-9]/)
    expect(metrics).toMatch(/pushes_total\{result="gone"\} [1-9]/)
  })

  test('pushes are rate-limited per session, across chats and subscriptions', async () => {
    const limited = await startTestApp({ ...LIFTED_LIMITS, RESUME_WINDOW_MS: '5000', MATCH_FALLBACK_MS: '60000', PUSH_ALLOW_LOOPBACK: 'on', PUSH_MIN_INTERVAL_SECONDS: '60' })
    const on = (c: TestClient) => trpcClient(limited.url, { session: c.session }).push.subscribe
    try {
      const s = service.subscriber()
      const topic = interest()
      const a = await limited.client()
      a.send({ type: 'find', interests: [topic], random: false })
      await a.next('queued')
      await on(a).mutate(s.subscription)
      a.drop()
      await a.waitClose()
      await Bun.sleep(50)
      const b = await limited.client()
      b.send({ type: 'find', interests: [topic], random: false })
      await b.next('matched')
      expect((await service.pushesFor(s)).length).toBe(1)
      b.send({ type: 'leave' })
      // Back, searching and subscribed again, away again, matched again: within the minute, no second push.
      const a2 = await limited.client({ resume: a.session })
      await a2.next('ended')
      const topic2 = interest()
      a2.send({ type: 'find', interests: [topic2], random: false })
      await a2.next('queued')
      await on(a2).mutate(s.subscription)
      a2.drop()
      await a2.waitClose()
      await Bun.sleep(50)
      const c = await limited.client()
      c.send({ type: 'find', interests: [topic2], random: false })
      await c.next('matched')
      expect(await c.next('partner')).toEqual({ type: 'partner', state: 'reconnecting' })
      await Bun.sleep(300)
      expect((await service.pushesFor(s)).length).toBe(1)
      expect(await (await fetch(`${limited.url}/metrics`)).text()).toMatch(/pushes_total\{result="rate_limited"\} 1/)
      for (const x of [b, c]) x.close()
    } finally {
      await limited.close()
    }
  })
})
