// Matchmaking through the real server: random fallback, re-pair cool-down, and races between
// find/next/leave that must leave the hub consistent.
import { afterAll, describe, expect, test } from 'bun:test'
import { allowAll } from '../../api/chat/guard'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import type { TestClient } from '../support/ws-client'
import { pair } from '../support/ws-client'

const apps: TestApp[] = []
const clients: TestClient[] = []
async function start(env: Record<string, string>, opts: Parameters<typeof startTestApp>[1] = {}) {
  const app = await startTestApp({ ...LIFTED_LIMITS, ...env }, opts)
  apps.push(app)
  return app
}
const connect = (app: TestApp) => async () => {
  const c = await app.client()
  clients.push(c)
  return c
}
const interest = () => 'm-' + Math.random().toString(36).slice(2, 10)

afterAll(async () => {
  for (const c of clients) c.close()
  for (const a of apps) await a.close()
})

/**
 * The hub's view of these clients must hold together: every chat has exactly two members who
 * point at each other, nobody is their own partner or in two chats, queued sessions are in the
 * matchmaker, and each client's last matched/ended frame agrees with the server.
 */
function expectConsistent(app: TestApp, cs: TestClient[]) {
  const hub = app.services.hub
  const members = new Map<string, string[]>()
  let queued = 0
  for (const c of cs) {
    const v = hub.session(c.session)
    expect(v).not.toBeNull()
    if (!v) continue
    if (v.state === 'chatting') {
      expect(v.chat).not.toBeNull()
      expect(v.chat!.partnerId).not.toBe(c.session)
      const p = hub.session(v.chat!.partnerId)
      expect(p?.state).toBe('chatting')
      expect(p?.chat?.id).toBe(v.chat!.id)
      expect(p?.chat?.partnerId).toBe(c.session)
      members.set(v.chat!.id, [...(members.get(v.chat!.id) ?? []), c.session])
    } else {
      expect(v.chat).toBeNull()
      if (v.state === 'queued') queued++
    }
    // the client's own story ends the same way as the server's
    const story = c.frames.filter(f => f.type === 'matched' || f.type === 'ended')
    const last = story[story.length - 1]
    if (v.state === 'chatting') expect(last).toMatchObject({ type: 'matched', chat: v.chat!.id })
    else if (last) expect(last.type).toBe('ended')
    // matched and ended alternate: nobody is in two chats at once
    for (let i = 0; i < story.length; i++) expect(story[i]!.type).toBe(i % 2 === 0 ? 'matched' : 'ended')
  }
  for (const [, m] of members) expect(m.length).toBe(2)
  const stats = hub.stats()
  expect(stats.chats).toBe(members.size)
  expect(stats.waiting).toBe(queued)
}

/** Waits until the server has nothing left in flight for these clients. */
async function settle(cs: TestClient[], quietMs = 150) {
  let n = -1
  for (let i = 0; i < 100; i++) {
    const total = cs.reduce((s, c) => s + c.frames.length, 0)
    if (total === n) return
    n = total
    await Bun.sleep(quietMs)
  }
}

describe('random fallback', () => {
  test('strangers with nothing in common meet after MATCH_FALLBACK_MS when both allow random', async () => {
    const app = await start({ MATCH_FALLBACK_MS: '300' })
    const client = connect(app)
    const a = await client()
    const b = await client()
    const started = Date.now()
    a.send({ type: 'find', interests: [interest()] })
    await a.next('queued')
    b.send({ type: 'find', interests: [interest()] })
    await b.next('queued')
    expect(await a.nothing('matched', 150)).toBe(true)
    const [ma, mb] = await Promise.all([a.next('matched', 3000), b.next('matched', 3000)])
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    expect(ma.chat).toBe(mb.chat)
    expect(ma.common).toEqual([])
    // the first waiter was told its fallback had started
    expect(a.all('queued').some(q => q.fallback === true)).toBe(true)
    expect(app.services.metrics.value('matches_total', { kind: 'random' })).toBeGreaterThanOrEqual(1)
  })

  test('a stranger with no interests is paired at random right away with a waiter past its fallback', async () => {
    const app = await start({ MATCH_FALLBACK_MS: '200' })
    const client = connect(app)
    const a = await client()
    a.send({ type: 'find', interests: [interest()] })
    await a.after(0, 'queued')
    await a.next('queued') // the fallback notice
    const b = await client()
    b.send({ type: 'find', interests: [] })
    const mb = await b.next('matched', 1000)
    expect((await a.next('matched')).chat).toBe(mb.chat)
  })

  test('random:false waits for a shared interest however long it takes', async () => {
    const app = await start({ MATCH_FALLBACK_MS: '100' })
    const client = connect(app)
    const a = await client()
    const b = await client()
    a.send({ type: 'find', interests: [interest()], random: false })
    b.send({ type: 'find', interests: [interest()] })
    expect(await a.nothing('matched', 500)).toBe(true)
    expect(b.all('matched')).toEqual([])
  })
})

describe('re-pair cool-down', () => {
  test('two who just chatted are not paired again until REPAIR_COOLDOWN_MS has passed', async () => {
    const app = await start({ REPAIR_COOLDOWN_MS: '600', MATCH_FALLBACK_MS: '60000' })
    const client = connect(app)
    const x = interest()
    const { a, b, chat } = await pair(client, x)
    const t0 = Date.now()
    a.send({ type: 'next' })
    await a.next('queued')
    await b.next('ended')
    b.send({ type: 'find', interests: [x], random: false })
    await b.next('queued')
    expect(await b.nothing('matched', 300)).toBe(true)
    const [ma, mb] = await Promise.all([a.next('matched', 3000), b.next('matched', 3000)])
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550)
    expect(ma.chat).toBe(mb.chat)
    expect(ma.chat).not.toBe(chat)
  })

  test('during the cool-down a third stranger is matched instead', async () => {
    const app = await start({ REPAIR_COOLDOWN_MS: '60000' })
    const client = connect(app)
    const x = interest()
    const { a, b } = await pair(client, x)
    a.send({ type: 'next' })
    await a.next('queued')
    await b.next('ended')
    b.send({ type: 'find', interests: [x], random: false })
    await b.next('queued')
    const c = await client()
    c.send({ type: 'find', interests: [x], random: false })
    const mc = await c.next('matched')
    // c meets a (the longest waiting), and b keeps waiting
    expect((await a.next('matched')).chat).toBe(mc.chat)
    expect(await b.nothing('matched', 100)).toBe(true)
  })
})

describe('races', () => {
  test('rapid next loops by both sides keep the server consistent', async () => {
    const app = await start({ REPAIR_COOLDOWN_MS: '0', MATCH_FALLBACK_MS: '60000' })
    const client = connect(app)
    const x = interest()
    const cs = await Promise.all(Array.from({ length: 6 }, () => client()))
    for (const c of cs) c.send({ type: 'find', interests: [x], random: false })
    await settle(cs, 50)
    for (let round = 0; round < 30; round++) {
      for (const c of cs) {
        if (Math.random() < 0.6) c.send({ type: 'next' })
        if (Math.random() < 0.3) c.send({ type: 'text', id: `r${round}`, body: 'hi' })
      }
      if (round % 10 === 0) await Bun.sleep(5)
    }
    await settle(cs)
    expectConsistent(app, cs)
    expect(cs.every(c => c.closed === null)).toBe(true)
    // next always re-queues the nexting side: only someone whose partner moved on is left idle
    for (const c of cs) {
      if (app.services.hub.session(c.session)!.state !== 'idle') continue
      expect(c.all('ended').at(-1)).toMatchObject({ by: 'stranger', reason: 'next' })
    }
    expect(app.services.metrics.value('errors_total', { code: 'internal' })).toBe(0)
  })

  test('a storm of find, next, leave, typing and text from many clients keeps every chat to two members', async () => {
    const app = await start({ REPAIR_COOLDOWN_MS: '0', MATCH_FALLBACK_MS: '50' })
    const client = connect(app)
    const topics = [interest(), interest()]
    const cs = await Promise.all(Array.from({ length: 10 }, () => client()))
    const actions = [
      (c: TestClient) => c.send({ type: 'find', interests: [topics[Math.floor(Math.random() * 2)]!] }),
      (c: TestClient) => c.send({ type: 'find', interests: [], random: true }),
      (c: TestClient) => c.send({ type: 'next' }),
      (c: TestClient) => c.send({ type: 'leave' }),
      (c: TestClient) => c.send({ type: 'typing', active: true }),
      (c: TestClient) => c.send({ type: 'text', id: Math.random().toString(36), body: 'x' }),
    ]
    for (let i = 0; i < 400; i++) {
      const c = cs[Math.floor(Math.random() * cs.length)]!
      actions[Math.floor(Math.random() * actions.length)]!(c)
      if (i % 40 === 0) await Bun.sleep(Math.random() * 20)
    }
    await settle(cs)
    expectConsistent(app, cs)
    expect(app.services.metrics.value('errors_total', { code: 'internal' })).toBe(0)
  })

  describe('with a slow queue check (find is pending)', () => {
    // A guard whose checkFind takes a while, as a ban lookup in memcached might.
    const slowGuard = () => ({ ...allowAll, checkFind: async () => (await Bun.sleep(80), null) })

    test('leave while a find is pending: the find is dropped', async () => {
      const app = await start({}, { guard: slowGuard })
      const client = connect(app)
      const x = interest()
      const a = await client()
      a.send({ type: 'find', interests: [x], random: false })
      a.send({ type: 'leave' })
      await Bun.sleep(200)
      expect(a.all('queued')).toEqual([])
      expect(app.services.hub.session(a.session)?.state).toBe('idle')
      expect(app.services.hub.stats().waiting).toBe(0)
    })

    test('two finds in a row: only the second counts', async () => {
      const app = await start({}, { guard: slowGuard })
      const client = connect(app)
      const [x, y] = [interest(), interest()]
      const a = await client()
      a.send({ type: 'find', interests: [x], random: false })
      a.send({ type: 'find', interests: [y], random: false })
      expect(await a.next('queued')).toMatchObject({ interests: [y] })
      await Bun.sleep(150)
      expect(a.all('queued')).toHaveLength(1)
      expect(app.services.hub.stats().waiting).toBe(1)
      // a waits on y only
      const bx = await client()
      bx.send({ type: 'find', interests: [x], random: false })
      expect(await bx.nothing('matched', 200)).toBe(true)
      const by = await client()
      by.send({ type: 'find', interests: [y], random: false })
      await Promise.all([by.next('matched'), a.next('matched')])
      expectConsistent(app, [a, bx, by])
    })

    test('find while chatting ends the chat as next and queues with the new interests', async () => {
      const app = await start({ REPAIR_COOLDOWN_MS: '0' }, { guard: slowGuard })
      const client = connect(app)
      const [x, y] = [interest(), interest()]
      const { a, b } = await pair(client, x)
      a.send({ type: 'find', interests: [y], random: false })
      expect(await a.next('ended')).toMatchObject({ by: 'you', reason: 'next' })
      expect(await b.next('ended')).toMatchObject({ by: 'stranger', reason: 'next' })
      expect(await a.next('queued')).toMatchObject({ interests: [y] })
      b.send({ type: 'find', interests: [x], random: false })
      expect(await b.nothing('matched', 200)).toBe(true) // a is not waiting on x any more
      expectConsistent(app, [a, b])
    })

    test('a socket that drops while its find is pending is not queued', async () => {
      const app = await start({}, { guard: slowGuard })
      const client = connect(app)
      const x = interest()
      const a = await client()
      a.send({ type: 'find', interests: [x], random: false })
      a.drop()
      await Bun.sleep(200)
      expect(app.services.hub.stats().waiting).toBe(0)
      const b = await client()
      b.send({ type: 'find', interests: [x], random: false })
      expect(await b.nothing('matched', 150)).toBe(true)
    })
  })
})
