// Matching by language and the "anyone will do" rule through the
// real server: the same scenarios on one node (both integration passes: in-process queue) and on
// three nodes sharing Redis (the MariaDB pass: the Redis queue, waiters spread over the nodes), on one
// Redis and on a 3-master Redis Cluster (TEST_REDIS_CLUSTER_NODES).
// Popular interests per language are checked the same two ways.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { POPULAR_MIN_PEOPLE } from '../../api/trpc/interests'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import { startCluster, type ClusterOptions, type TestCluster } from '../support/cluster'
import { TEST_REDIS_CLUSTER_NODES } from '../support/redis'
import { freshIp, fromIp, uniqueInterest } from '../support/people'
import { TestClient } from '../support/ws-client'

/** Long enough that "at once" and "after the delay" cannot be confused on a busy machine. */
const FALLBACK_MS = 1500

interface Service {
  /** A client from its own fresh address, on node `i` (one node: always the same). */
  client(i: number): Promise<TestClient>
  /** The HTTP base URL of node `i`. */
  url(i: number): string
}

function scenarios(name: string, service: () => Service) {
  const opened: TestClient[] = []
  const client = async (i: number) => {
    const c = await service().client(i)
    opened.push(c)
    return c
  }
  // Each test's waiters go away with it: the next test's random waiters must not meet them.
  const closeAll = async () => {
    const open = opened.splice(0).filter(c => !c.closed)
    for (const c of open) c.close()
    await Promise.all(open.map(c => c.waitClose().catch(() => {})))
  }

  describe(name, () => {
    afterAll(closeAll)

    test('a pt waiter and an es waiter do not pair, not even at random or on a shared interest', async () => {
      try {
        const shared = uniqueInterest()
        const p = await client(0)
        const e = await client(1)
        p.send({ type: 'find', interests: [shared], languages: ['PT'] })
        expect(await p.next('queued')).toEqual({ type: 'queued', interests: [shared], random: true, languages: ['pt'] })
        e.send({ type: 'find', interests: [shared], languages: ['es'] })
        expect((await e.next('queued')).languages).toEqual(['es'])
        // Both fall back to random (the notice says so) and still do not meet.
        expect((await p.next('queued', FALLBACK_MS + 3000)).fallback).toBe(true)
        expect((await e.next('queued', FALLBACK_MS + 3000)).fallback).toBe(true)
        expect(await p.nothing('matched', 300)).toBe(true)
        expect(e.all('matched')).toEqual([])
        // A third who reads Spanish (and English) meets the Spanish speaker, on the shared interest.
        const third = await client(2)
        third.send({ type: 'find', interests: [shared], languages: ['en', 'es', 'EN'] })
        expect((await third.next('queued')).languages).toEqual(['en', 'es'])
        const [m3, me] = await Promise.all([third.next('matched'), e.next('matched')])
        expect(m3.chat).toBe(me.chat)
        expect(m3.common).toEqual([shared])
        expect(m3.languages).toEqual(['es'])
        expect(me.languages).toEqual(['es'])
        expect(p.all('matched')).toEqual([])
      } finally {
        await closeAll()
      }
    }, 20_000)

    test('pt+en and en pair with languages ["en"] in matched, and next keeps the languages', async () => {
      try {
        const x = await client(0)
        const y = await client(1)
        x.send({ type: 'find', interests: [], languages: ['pt', 'en'] })
        await x.next('queued')
        y.send({ type: 'find', interests: [], languages: ['en'] })
        const [mx, my] = await Promise.all([x.next('matched'), y.next('matched')])
        expect(mx.chat).toBe(my.chat)
        expect(mx).toMatchObject({ common: [], languages: ['en'] })
        expect(my).toMatchObject({ common: [], languages: ['en'] })
        const mark = x.mark()
        x.send({ type: 'next' })
        expect((await x.after(mark, 'queued')).languages).toEqual(['pt', 'en'])
      } finally {
        await closeAll()
      }
    })

    test('a waiter who states no language meets one who does; matched has no languages', async () => {
      try {
        const x = await client(0)
        const y = await client(1)
        x.send({ type: 'find', interests: [], languages: ['pt'] })
        await x.next('queued')
        y.send({ type: 'find', interests: [] })
        expect((await y.next('queued')).languages).toEqual([])
        const [mx, my] = await Promise.all([x.next('matched'), y.next('matched')])
        expect(mx.chat).toBe(my.chat)
        expect(mx.languages).toEqual([])
      } finally {
        await closeAll()
      }
    })

    test('anyLanguage pairs across languages, but only after the fallback delay', async () => {
      try {
        const x = await client(0)
        const y = await client(1)
        const t0 = Date.now()
        x.send({ type: 'find', interests: [], languages: ['pt'], anyLanguage: true })
        await x.next('queued')
        y.send({ type: 'find', interests: [], languages: ['es'], anyLanguage: true })
        await y.next('queued')
        const [mx, my] = await Promise.all([x.next('matched', FALLBACK_MS + 5000), y.next('matched', FALLBACK_MS + 5000)])
        expect(mx.chat).toBe(my.chat)
        expect(Date.now() - t0).toBeGreaterThanOrEqual(FALLBACK_MS - 50)
        expect(mx.languages).toEqual([])
      } finally {
        await closeAll()
      }
    }, 20_000)

    test('"anyone will do" is paired at once with a waiter who has interests and allows random', async () => {
      try {
        const fan = await client(0)
        fan.send({ type: 'find', interests: [uniqueInterest()], random: true })
        await fan.next('queued')
        const anyone = await client(1)
        anyone.send({ type: 'find', interests: [], random: true })
        const [mf, ma] = await Promise.all([fan.next('matched'), anyone.next('matched')])
        expect(mf.chat).toBe(ma.chat)
        expect(mf.common).toEqual([])
        // Before the fan's fallback delay: it was never told the random fallback started.
        expect(fan.all('queued').filter(q => q.fallback)).toEqual([])
      } finally {
        await closeAll()
      }
    })

    test('bad languages are refused with bad_frame, and the session still works', async () => {
      try {
        const c = await client(0)
        const bad: unknown[] = [['pt', 'en', 'es', 'fr'], 'pt', { 0: 'pt' }, [1, 2], ['english'], ['pt-BR-xx'], ['pt-BR'], [''], ['x'.repeat(4000)], [null], ['p'], ['p1'], ['ñu']]
        for (const languages of bad) {
          c.send({ type: 'find', interests: [], languages })
          const err = await c.next('error')
          expect(err.code).toBe('bad_frame')
          expect(err.message).toContain('find: languages')
        }
        c.send({ type: 'find', interests: [], anyLanguage: 'yes' })
        expect((await c.next('error')).message).toContain('find: anyLanguage')
        expect(c.all('queued')).toEqual([])
        c.send({ type: 'find', interests: [uniqueInterest()], random: false, languages: ['pt'] })
        expect((await c.next('queued')).languages).toEqual(['pt'])
      } finally {
        await closeAll()
      }
    })

    test('popular interests per language: a Spanish speaker sees what Spanish speakers typed', async () => {
      try {
        const es = uniqueInterest()
        const pt = uniqueInterest()
        for (let i = 0; i < POPULAR_MIN_PEOPLE; i++) {
          for (const [interest, language] of [
            [es, 'es'],
            [pt, 'pt'],
          ] as const) {
            const c = await client(i)
            c.send({ type: 'find', interests: [interest], random: false, languages: [language] })
            await c.next('queued')
            c.send({ type: 'leave' })
          }
        }
        const popular = async (input: object) => {
          const res = await fetch(`${service().url(0)}/trpc/interests.popular?input=${encodeURIComponent(JSON.stringify(input))}`)
          return { status: res.status, body: (await res.json()) as { result?: { data: Array<{ name: string; count: number }> } } }
        }
        const names = async (input: object, awaited?: string) => {
          // Recorded by a fire-and-forget script on several nodes: poll until the awaited one shows.
          const end = Date.now() + 10_000
          for (;;) {
            const list = ((await popular(input)).body.result?.data ?? []).map(p => p.name)
            if (!awaited || list.includes(awaited) || Date.now() > end) return list
            await Bun.sleep(200)
          }
        }
        const spanish = await names({ limit: 50, language: 'ES' }, es)
        expect(spanish).toContain(es)
        expect(spanish).not.toContain(pt)
        const portuguese = await names({ limit: 50, language: 'pt' }, pt)
        expect(portuguese).toContain(pt)
        expect(portuguese).not.toContain(es)
        expect(await names({ limit: 50, language: 'de' })).not.toContain(es)
        // Without a language: what everyone typed, both.
        const everyone = await names({ limit: 50 }, es)
        expect(everyone).toContain(es)
        expect(everyone).toContain(pt)
        for (const language of ['english', '', 'p1', 'pt-BR', 7]) expect((await popular({ language })).status).toBe(400)
      } finally {
        await closeAll()
      }
    }, 30_000)
  })
}

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ ...LIFTED_LIMITS, MATCH_FALLBACK_MS: String(FALLBACK_MS), REPAIR_COOLDOWN_MS: '0' })
})
afterAll(() => app?.close())
scenarios('one node', () => ({ client: () => app.client({ headers: fromIp(freshIp()) }), url: () => app.url }))

const enabled = process.env.TEST_BACKEND === 'mysql'
/** Three nodes over one Redis, and again over a 3-master Redis Cluster (tests/run.ts starts one). */
function threeNodes(label: string, on: ClusterOptions, run: boolean) {
  let cluster: TestCluster
  describe.if(run)(label, () => {
    beforeAll(async () => {
      cluster = await startCluster({ ...on, nodes: 3, env: { MATCH_FALLBACK_MS: String(FALLBACK_MS), REPAIR_COOLDOWN_MS: '0', LOG_LEVEL: 'warn' } })
    }, 60_000)
    afterAll(() => cluster?.stop(), 30_000)
    scenarios('languages across nodes', () => ({
      client: i => TestClient.connect(cluster.nodes[i % cluster.nodes.length]!.wsUrl, fromIp(freshIp())),
      url: i => cluster.nodes[i % cluster.nodes.length]!.url,
    }))
  })
}
threeNodes('three nodes over Redis', {}, enabled)
threeNodes('three nodes over a Redis Cluster', { redisClusterNodes: TEST_REDIS_CLUSTER_NODES }, enabled && Boolean(TEST_REDIS_CLUSTER_NODES))
