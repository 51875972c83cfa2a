// interests.popular suggests what several people use, each person counted once, and never what
// only one or two typed.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import { POPULAR_MIN_PEOPLE } from '../../api/trpc/interests'
import { freshIp, person } from '../support/people'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ ...LIFTED_LIMITS, MATCH_FALLBACK_MS: '60000' })
})
afterAll(() => app.close())

const popular = async () =>
  (await (await fetch(`${app.url}/trpc/interests.popular?input=${encodeURIComponent('{"limit":50}')}`)).json()).result.data as Array<{ name: string; count: number }>

test('an interest is suggested once enough different people used it, and one person counts once', async () => {
  const tag = `p${Date.now().toString(36)}`
  const shared = `${tag}-shared`
  const lonely = `${tag}-only-me`
  // One person searching again and again (find, leave, find…) is still one person.
  const eager = await person(app)
  for (let i = 0; i < 5; i++) {
    eager.send({ type: 'find', interests: [shared, lonely], random: false })
    await eager.next('queued')
    eager.send({ type: 'leave' })
  }
  expect((await popular()).some(p => p.name === shared || p.name === lonely)).toBe(false)

  // Enough other people (interests unique to this test, so nobody is matched) make it popular.
  const others = []
  for (let i = 1; i < POPULAR_MIN_PEOPLE; i++) {
    const c = await person(app)
    c.send({ type: 'find', interests: [shared, `${tag}-x${i}`], random: false })
    await c.next('queued')
    c.send({ type: 'leave' })
    others.push(c)
  }
  const list = await popular()
  expect(list.find(p => p.name === shared)).toEqual({ name: shared, count: POPULAR_MIN_PEOPLE })
  expect(list.some(p => p.name === lonely)).toBe(false)
  for (const c of [eager, ...others]) c.close()
})

test('sockets from one address count as one person: a private word is never advertised (hole 3)', async () => {
  const word = `secret-${Date.now().toString(36)}`
  const ip = freshIp()
  const socks = []
  for (let i = 0; i < POPULAR_MIN_PEOPLE + 2; i++) {
    const c = await person(app, ip)
    c.send({ type: 'find', interests: [word], random: false })
    await c.next('queued')
    c.send({ type: 'leave' })
    socks.push(c)
  }
  expect((await popular()).some(p => p.name === word)).toBe(false)
  for (const c of socks) c.close()
})

test('one address cannot flood the counts with junk: its hourly budget caps what it adds', async () => {
  const tag = `j${Date.now().toString(36)}`
  const ips = Array.from({ length: POPULAR_MIN_PEOPLE }, () => freshIp())
  // Every address sends 3 finds of 10 junk names (30 names each), all shared by all addresses.
  for (const ip of ips) {
    const c = await person(app, ip)
    for (let f = 0; f < 3; f++) {
      c.send({ type: 'find', interests: Array.from({ length: 10 }, (_, i) => `${tag}-${f}-${i}`), random: false })
      await c.next('queued')
    }
    c.close()
  }
  const junk = (await popular()).filter(p => p.name.startsWith(tag))
  // POPULAR_PER_ADDRESS_HOUR (10) names per address: only the first find's names counted.
  expect(junk.length).toBe(10)
  expect(junk.every(p => p.name.startsWith(`${tag}-0-`))).toBe(true)
})
