// memcached resilience: the chat never depends on memcached being there. Each test runs its own
// private memcached (or a server that is not memcached at all), on either backend.
import { afterAll, describe, expect, test } from 'bun:test'
import memjs from 'memjs'
import { createMemcachedCache } from '../../api/cache/memcached'
import { banCacheKey } from '../../api/safety/bans'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import { startMemcached, type Memcached } from '../support/memcached'
import type { TestClient } from '../support/ws-client'
import { pair } from '../support/ws-client'

const cleanups: Array<() => unknown> = []
afterAll(async () => {
  for (const f of cleanups.reverse()) await f()
})
async function app(env: Record<string, string>) {
  const a = await startTestApp({ ...LIFTED_LIMITS, ...env })
  cleanups.push(() => a.close())
  return a
}
async function memcached(): Promise<Memcached> {
  const m = await startMemcached()
  cleanups.push(() => m.stop())
  return m
}
/** An HTTP server on a port where the app expects memcached. */
function notMemcached() {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('I am not memcached') })
  cleanups.push(() => s.stop(true))
  return s
}
const connect = (a: TestApp) => async () => {
  const c = await a.client()
  cleanups.push(() => c.close())
  return c
}
const interest = () => 'mc-' + Math.random().toString(36).slice(2, 10)
const ready = async (a: TestApp) => (await fetch(a.url + '/readyz')).status === 200

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 6000) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return true
    await Bun.sleep(50)
  }
  return false
}

async function chatStillWorks(a: TestClient, b: TestClient, tag: string) {
  a.send({ type: 'text', id: `${tag}-1`, body: `ping ${tag}` })
  let t = await b.next('text')
  while (t.body !== `ping ${tag}`) t = await b.next('text') // skip replayed frames after a resume
  let d = await a.next('delivered')
  while (d.id !== `${tag}-1`) d = await a.next('delivered')
  b.send({ type: 'typing', active: true })
  expect(await a.next('typing')).toEqual({ type: 'typing', active: true })
}

/** Failed cache calls of any kind (the chat's own cache traffic is the ban lookup on find). */
const cacheErrors = (app: TestApp) => (['get', 'set', 'add', 'delete', 'incr'] as const).reduce((n, op) => n + app.services.metrics.value('cache_errors_total', { op }), 0)

describe('memcached stops and restarts', () => {
  test('an open chat keeps working without memcached, and the app uses it again once it is back', async () => {
    const mc = await memcached()
    const a0 = await app({ MEMCACHED_SERVERS: mc.servers, CACHE_TIMEOUT_MS: '200' })
    const client = connect(a0)
    expect(a0.services.cache.kind).toBe('memcached')
    expect(await ready(a0)).toBe(true)
    const x = interest()
    const { a, b } = await pair(client, x)
    await chatStillWorks(a, b, 'before')

    await mc.stop()
    await chatStillWorks(a, b, 'during')
    // a drop and resume still work: sessions live in the process, the cache only mirrors them
    a.drop()
    await b.next('partner')
    const a2 = await a0.client({ resume: a.session })
    cleanups.push(() => a2.close())
    expect(a2.frames[0]).toMatchObject({ resumed: true })
    await b.next('partner')
    await chatStillWorks(a2, b, 'resumed')
    // next and a new match still work; the ban lookups on find fail quietly
    b.send({ type: 'next' })
    await a2.next('ended')
    const c = await client()
    c.send({ type: 'find', interests: [x], random: false })
    await c.next('matched')
    await chatStillWorks(b, c, 'new-chat')
    expect(await eventually(() => cacheErrors(a0) > 0)).toBe(true)
    const readyz = await fetch(a0.url + '/readyz')
    expect(readyz.status).toBe(503)
    expect(await readyz.json()).toMatchObject({ cache: false, database: true })

    await mc.start()
    expect(await eventually(() => ready(a0))).toBe(true)
    // the app uses memcached again: a find's ban lookup leaves its answer there
    const d = await client()
    const e = await client()
    const y = interest()
    d.send({ type: 'find', interests: [y], random: false })
    await d.next('queued')
    e.send({ type: 'find', interests: [y], random: false })
    await e.next('matched')
    const direct = memjs.Client.create(mc.servers, { retries: 1, logger: { log() {} } })
    try {
      const key = banCacheKey(a0.services.secrets.hashIp('127.0.0.1'))
      expect(await eventually(async () => (await direct.get(key)).value !== null)).toBe(true)
    } finally {
      direct.close()
    }
  })

  test('a graceful restart keeps the chat: sessions move through memcached to the next process', async () => {
    const mc = await memcached()
    const first = await startTestApp({ ...LIFTED_LIMITS, MEMCACHED_SERVERS: mc.servers })
    const { a, b, chat } = await pair(() => first.client(), interest())
    b.send({ type: 'text', id: 'pre', body: 'before the restart' })
    await a.next('text')
    await first.close()
    expect(await a.next('shutdown')).toMatchObject({ resumable: true })
    expect((await a.waitClose()).code).toBe(1012)
    await b.waitClose()

    const second = await app({ MEMCACHED_SERVERS: mc.servers })
    const a2 = await second.client({ resume: a.session })
    const b2 = await second.client({ resume: b.session })
    cleanups.push(
      () => a2.close(),
      () => b2.close(),
    )
    expect(a2.frames[0]).toMatchObject({ resumed: true, session: a.session })
    expect(b2.frames[0]).toMatchObject({ resumed: true, session: b.session })
    expect(second.services.hub.session(a.session)?.chat?.id).toBe(chat)
    // a had not acknowledged anything: the unacked frames come back
    expect((await a2.next('text')).body).toBe('before the restart')
    await chatStillWorks(a2, b2, 'after-restart')
  })

  test('a restart while memcached is away does not promise a resume it cannot keep', async () => {
    const mc = await memcached()
    const first = await startTestApp({ ...LIFTED_LIMITS, MEMCACHED_SERVERS: mc.servers, CACHE_TIMEOUT_MS: '100' })
    const { a } = await pair(() => first.client(), interest())
    await mc.stop()
    await first.close()
    expect(await a.next('shutdown')).toMatchObject({ resumable: false })
  })
})

describe('MEMCACHED_SERVERS points at something that is not memcached', () => {
  test('chat works, cache calls time out, and nothing spins', async () => {
    const http = notMemcached()
    const a0 = await app({ MEMCACHED_SERVERS: `127.0.0.1:${http.port}`, CACHE_TIMEOUT_MS: '100' })
    const client = connect(a0)
    const x = interest()
    const { a, b } = await pair(client, x)
    await chatStillWorks(a, b, 'wrong-port')
    b.send({ type: 'next' })
    await a.next('ended')
    expect(await eventually(() => cacheErrors(a0) > 0)).toBe(true)
    const t = performance.now()
    expect((await fetch(a0.url + '/readyz')).status).toBe(503)
    expect(performance.now() - t).toBeLessThan(2000)

    // A spinning client would burn a whole core; leave the app alone for a second and look.
    const cpu = process.cpuUsage()
    const wall = performance.now()
    await Bun.sleep(1000)
    const used = process.cpuUsage(cpu)
    const share = (used.user + used.system) / 1000 / (performance.now() - wall)
    expect(share).toBeLessThan(0.3)
  })

  test('every call settles within the timeout and nothing stays pending in memjs', async () => {
    const http = notMemcached()
    const raw = createMemcachedCache(`127.0.0.1:${http.port}`, 100)
    cleanups.push(() => raw.close())
    const outcomes: string[] = []
    const started = performance.now()
    const calls: Array<Promise<unknown>> = []
    for (let i = 0; i < 60; i++) {
      calls.push(
        raw.get(`k${i}`).then(
          () => outcomes.push('answered'),
          () => outcomes.push('failed'),
        ),
      )
      if (i % 10 === 0) await Bun.sleep(40)
    }
    await Promise.all(calls)
    expect(outcomes.length).toBe(60)
    expect(outcomes.every(o => o === 'failed')).toBe(true)
    expect(performance.now() - started).toBeLessThan(3000)
    expect(raw.inFlight()).toBe(0)
  })
})

describe('memcached backend', () => {
  test('round-trips values, add, incr and delete against a real memcached', async () => {
    const mc = await memcached()
    const raw = createMemcachedCache(mc.servers, 500)
    cleanups.push(() => raw.close())
    const k = interest()
    expect(await raw.get(k)).toBeNull()
    expect(await raw.set(k, 'v', 10)).toBe(true)
    expect(await raw.get(k)).toBe('v')
    expect(await raw.add(k, 'w', 10)).toBe(false)
    expect(await raw.add(k + 'n', 'w', 10)).toBe(true)
    expect(await raw.incr(k + 'c', 2, 10)).toBe(2)
    expect(await raw.incr(k + 'c', 3, 10)).toBe(5)
    expect(await raw.delete(k)).toBe(true)
    expect(await raw.delete(k)).toBe(false)
    expect(await raw.ping()).toBe(true)
    // an incr on a non-number is a failed call, not a dead server: the next call goes through
    await expect(raw.incr(k + 'n', 1, 10)).rejects.toThrow()
    expect(await raw.get(k + 'n')).toBe('w')
  })
})
