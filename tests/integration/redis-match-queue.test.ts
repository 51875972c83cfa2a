// The Redis MatchQueue (api/cluster/redis-match-queue.ts) against the real Redis: the matchmaker's
// rules (the cases of tests/unit/matchmaker.test.ts, on real time with short delays), the rules the
// port adds (address cool-downs, pools), and atomicity across several queue instances on separate
// connections, as several nodes. Every test runs under its own key prefix.
import { afterAll, describe, expect, test } from 'bun:test'
import type { Match, WaiterSpec } from '../../api/chat/ports/match-queue'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { createRedisMatchQueue, type RedisMatchQueue } from '../../api/cluster/redis-match-queue'
import { deletePrefix, TEST_REDIS_URL, testPrefix } from '../support/redis'

const conns: RedisConnections[] = []
const queues: RedisMatchQueue[] = []
const prefixes: string[] = []
afterAll(async () => {
  await Promise.all(queues.map(q => q.close()))
  await Promise.all(conns.map(c => c.close()))
  for (const p of prefixes) await deletePrefix(TEST_REDIS_URL, p)
})

interface Node {
  q: RedisMatchQueue
  matches: Match[]
  fallbacks: string[]
}

async function setup(o: { fallbackMs?: number; nodes?: number; scanLimit?: number } = {}) {
  const prefix = testPrefix('mq')
  prefixes.push(prefix)
  const nodes: Node[] = []
  for (let k = 0; k < (o.nodes ?? 1); k++) {
    const redis = await openRedis({ url: TEST_REDIS_URL, prefix })
    conns.push(redis)
    const node: Node = { q: null as unknown as RedisMatchQueue, matches: [], fallbacks: [] }
    node.q = createRedisMatchQueue(redis, {
      prefix,
      fallbackMs: o.fallbackMs ?? 8000,
      scanLimit: o.scanLimit,
      events: { onMatch: m => node.matches.push(m), onFallback: id => node.fallbacks.push(id) },
    })
    queues.push(node.q)
    nodes.push(node)
  }
  const [first] = nodes
  return {
    ...first!,
    nodes,
    /** All matches made on any node. */
    all: () => nodes.flatMap(n => n.matches),
    /** A waiter: interests, random, its own address hash unless given. */
    enqueue: (id: string, interests: string[], random: boolean, extra: Partial<WaiterSpec> = {}, on = first!) =>
      on.q.enqueue({ id, interests, random, ipHash: `ip-${id}`, ...extra }),
    cooldown: (a: string, b: string, ms: number) => first!.q.cooldown(a, b, Date.now() + ms),
  }
}

const pairOf = (m: Match) => [m.a, m.b].sort().join('+')
const sleep = (ms: number) => Bun.sleep(ms)
async function until(cond: () => boolean, timeoutMs = 3000) {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(10)
  }
}

describe('Redis match queue: the matchmaker rules', () => {
  test('a stranger who shares an interest is matched before a random one', async () => {
    const s = await setup()
    await s.enqueue('rand', [], true) // random-ready at once
    await s.enqueue('jazz1', ['jazz'], true)
    expect(s.matches).toEqual([]) // jazz1 is not random-ready yet, and shares nothing with rand
    await s.enqueue('jazz2', ['chess', 'jazz'], true)
    expect(s.matches).toEqual([{ a: 'jazz1', b: 'jazz2', aIpHash: 'ip-jazz1', bIpHash: 'ip-jazz2', common: ['jazz'], random: false }])
    expect(await s.q.size()).toBe(1) // rand still waits
  })

  test('among several who share an interest, the longest waiting is matched first', async () => {
    const s = await setup()
    await s.cooldown('old', 'mid', 60_000)
    await s.cooldown('old', 'new', 60_000)
    await s.cooldown('mid', 'new', 60_000)
    await s.enqueue('mid', ['jazz'], false)
    await s.enqueue('new', ['jazz', 'go'], false)
    await s.q.remove('mid')
    await s.enqueue('old', ['go'], false) // waits longer than `mid` below
    await s.enqueue('mid', ['jazz'], false)
    await s.enqueue('me', ['jazz', 'go'], false)
    expect(s.matches).toEqual([{ a: 'new', b: 'me', aIpHash: 'ip-new', bIpHash: 'ip-me', common: ['jazz', 'go'], random: false }])
    await s.enqueue('me2', ['jazz', 'go'], false)
    expect(s.matches[1]).toEqual({ a: 'old', b: 'me2', aIpHash: 'ip-old', bIpHash: 'ip-me2', common: ['go'], random: false })
    await s.enqueue('me3', ['jazz'], false)
    expect(s.matches[2]).toEqual({ a: 'mid', b: 'me3', aIpHash: 'ip-mid', bIpHash: 'ip-me3', common: ['jazz'], random: false })
  })

  test('the longest waiting keeps its place after its random fallback started', async () => {
    const s = await setup({ fallbackMs: 200 })
    await s.cooldown('first', 'later', 60_000)
    await s.enqueue('first', ['tea'], true)
    await s.enqueue('later', ['tea'], false)
    await until(() => s.fallbacks.includes('first'))
    await s.enqueue('second', ['tea'], false)
    expect(s.matches).toEqual([{ a: 'first', b: 'second', aIpHash: 'ip-first', bIpHash: 'ip-second', common: ['tea'], random: false }])
  })

  test("common interests are every shared interest, in the waiting side's order", async () => {
    const s = await setup()
    await s.enqueue('a', ['x', 'y', 'z', 'w'], false)
    await s.enqueue('b', ['w', 'q', 'y'], false)
    expect(s.matches[0]!.common).toEqual(['y', 'w'])
  })

  test('with random allowed, a waiter falls back to any stranger after the fallback delay', async () => {
    const s = await setup({ fallbackMs: 600 })
    await s.enqueue('a', ['knitting'], true)
    await sleep(300)
    await s.enqueue('b', ['surfing'], true)
    expect(s.matches).toEqual([]) // a at ~300 ms: not yet
    await until(() => s.fallbacks.length > 0)
    expect(s.fallbacks).toEqual(['a']) // a is random-ready, b is not yet
    expect(s.matches).toEqual([])
    await until(() => s.matches.length > 0) // b becomes random-ready and finds a
    expect(s.matches).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: [], random: true }])
    expect(s.fallbacks).toEqual(['a']) // b was paired at once: no fallback notice for it
    expect(await s.q.size()).toBe(0)
  })

  test('a waiter with no interests is paired at random at once with a random-ready waiter', async () => {
    const s = await setup({ fallbackMs: 300 })
    await s.enqueue('fan', ['opera'], true)
    await s.enqueue('any1', [], true)
    expect(s.matches).toEqual([]) // fan is not random-ready yet
    await s.enqueue('any2', [], true)
    expect(s.matches).toEqual([{ a: 'any1', b: 'any2', aIpHash: 'ip-any1', bIpHash: 'ip-any2', common: [], random: true }])
    await until(() => s.fallbacks.includes('fan'))
    await s.enqueue('any3', [], true)
    expect(s.matches[1]).toEqual({ a: 'fan', b: 'any3', aIpHash: 'ip-fan', bIpHash: 'ip-any3', common: [], random: true })
  })

  test('random:false never pairs at random', async () => {
    const s = await setup({ fallbackMs: 100 })
    await s.enqueue('picky', ['chess'], false)
    await s.enqueue('any', [], true)
    await s.enqueue('other', ['go'], true)
    await until(() => s.matches.length > 0)
    await sleep(300)
    expect(s.matches).toEqual([{ a: 'any', b: 'other', aIpHash: 'ip-any', bIpHash: 'ip-other', common: [], random: true }])
    await s.enqueue('any2', [], true)
    await sleep(300)
    expect(s.matches).toHaveLength(1)
    await s.enqueue('chessfan', ['chess'], true)
    expect(s.matches[1]).toEqual({ a: 'picky', b: 'chessfan', aIpHash: 'ip-picky', bIpHash: 'ip-chessfan', common: ['chess'], random: false })
  })

  test('the cool-down blocks a pair, and a retry pairs them once it passes', async () => {
    const s = await setup()
    const cooledUntil = Date.now() + 500
    await s.q.cooldown('a', 'b', cooledUntil)
    await s.enqueue('a', ['x'], false)
    await s.enqueue('b', ['x'], false)
    expect(s.matches).toEqual([])
    await until(() => s.matches.length > 0)
    expect(Date.now()).toBeGreaterThan(cooledUntil) // not before the cool-down ended
    expect(s.matches).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false }])
  })

  test('the cool-down skips only the blocked stranger, not the whole queue', async () => {
    const s = await setup()
    await s.cooldown('me', 'ex', 30_000)
    await s.cooldown('fresh', 'ex', 30_000)
    await s.enqueue('ex', ['x'], false)
    await s.enqueue('fresh', ['x'], false)
    await s.enqueue('me', ['x'], false)
    expect(s.matches).toEqual([{ a: 'fresh', b: 'me', aIpHash: 'ip-fresh', bIpHash: 'ip-me', common: ['x'], random: false }])
  })

  test('a cool-down shorter than the fallback delay still pairs when it ends', async () => {
    const s = await setup({ fallbackMs: 8000 })
    await s.cooldown('a', 'b', 300)
    await s.enqueue('a', ['x'], true)
    await s.enqueue('b', ['x'], true)
    await until(() => s.matches.length > 0, 2000)
    expect(s.matches).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false }])
  })

  test('two random waiters blocked by a cool-down meet once it ends', async () => {
    const s = await setup({ fallbackMs: 100 })
    await s.cooldown('a', 'b', 500)
    await s.enqueue('a', [], true)
    await s.enqueue('b', [], true)
    await sleep(300)
    expect(s.matches).toEqual([])
    await until(() => s.matches.length > 0)
    expect(s.matches.map(pairOf)).toEqual(['a+b'])
  })

  test('a later cool-down call never shortens a longer one', async () => {
    const s = await setup()
    await s.cooldown('a', 'b', 60_000)
    await s.cooldown('b', 'a', 1) // order of the pair does not matter either
    await sleep(20)
    await s.enqueue('a', ['x'], false)
    await s.enqueue('b', ['x'], false)
    expect(s.matches).toEqual([])
  })

  test('remove() takes a waiter out of every index', async () => {
    const s = await setup({ fallbackMs: 100 })
    await s.enqueue('a', ['x', 'y'], true)
    expect(await s.q.remove('a')).toBe(true)
    expect(await s.q.remove('a')).toBe(false)
    await s.enqueue('b', ['y'], true)
    await s.enqueue('c', [], true)
    await until(() => s.matches.length > 0)
    await sleep(200) // a's fallback timer was cancelled: nothing else happens
    expect(s.matches.map(pairOf)).toEqual(['b+c'])
    expect(await s.q.size()).toBe(0)
  })

  test('enqueueing a waiter again replaces its interests', async () => {
    const s = await setup()
    await s.enqueue('a', ['x'], false)
    await s.enqueue('a', ['y'], false)
    expect(await s.q.size()).toBe(1)
    await s.enqueue('b', ['x'], false)
    expect(s.matches).toEqual([])
    await s.enqueue('c', ['y'], false)
    expect(s.matches).toEqual([{ a: 'a', b: 'c', aIpHash: 'ip-a', bIpHash: 'ip-c', common: ['y'], random: false }])
  })

  test('nobody is paired with themselves', async () => {
    const s = await setup({ fallbackMs: 0 })
    await s.enqueue('a', ['x'], true)
    await s.enqueue('a', ['x'], true)
    await sleep(100)
    expect(s.matches).toEqual([])
    expect(await s.q.size()).toBe(1)
  })
})

describe('Redis match queue: what the port adds', () => {
  test('a cool-down between address hashes keeps two sessions apart like one between session ids', async () => {
    const s = await setup()
    // Keyed like the in-process queue: 'ip:' + the address hash.
    await s.cooldown('ip:hash-blocker', 'ip:hash-victim', 60_000)
    await s.enqueue('troll', ['x'], false, { ipHash: 'hash-blocker' })
    await s.enqueue('victim', ['x'], false, { ipHash: 'hash-victim' })
    expect(s.matches).toEqual([])
    await s.enqueue('someone', ['x'], false)
    expect(s.matches).toEqual([{ a: 'troll', b: 'someone', aIpHash: 'hash-blocker', bIpHash: 'ip-someone', common: ['x'], random: false }])
  })

  test('only waiters of the same pool meet; the default pool is main', async () => {
    const s = await setup()
    await s.enqueue('quarantined', ['x'], false, { pool: 'review' })
    await s.enqueue('normal', ['x'], false)
    expect(s.matches).toEqual([])
    await s.enqueue('normal2', ['x'], false, { pool: 'main' })
    await s.enqueue('quarantined2', ['x'], false, { pool: 'review' })
    expect(s.matches.map(pairOf).sort()).toEqual(['normal+normal2', 'quarantined+quarantined2'])
  })

  test('a script looks at no more than scanLimit candidates per set', async () => {
    for (const [scanLimit, pairs] of [[4, false], [5, true]] as const) {
      const s = await setup({ scanLimit })
      const ex = Array.from({ length: 5 }, (_, k) => `ex${k}`)
      // Five who wait side by side (cool-downs between each other); `me` may meet only the fifth.
      for (const x of ex) for (const y of ex) if (x < y) await s.cooldown(x, y, 60_000)
      for (const x of ex.slice(0, 4)) await s.cooldown('me', x, 60_000)
      for (const x of ex) await s.enqueue(x, ['x'], false)
      await s.enqueue('me', ['x'], false)
      expect({ scanLimit, matches: s.matches }).toEqual({ scanLimit, matches: pairs ? [{ a: 'ex4', b: 'me', aIpHash: 'ip-ex4', bIpHash: 'ip-me', common: ['x'], random: false }] : [] })
    }
  })

  test('close() stops timers and drops the waiters this instance enqueued; dropOwner() does it for a dead one', async () => {
    const s = await setup({ nodes: 2, fallbackMs: 200 })
    const [n1, n2] = s.nodes
    await s.enqueue('a', ['x'], true, {}, n1)
    await s.enqueue('b', ['y'], false, {}, n1)
    await s.enqueue('c', ['z'], false, {}, n2)
    expect(await n2!.q.size()).toBe(3)
    await n1!.q.close()
    await sleep(300) // a's fallback timer would have fired by now
    expect(n1!.fallbacks).toEqual([])
    expect(await n2!.q.size()).toBe(1)
    expect(await n1!.q.dropOwner(n2!.q.owner)).toBe(1)
    expect(await n2!.q.size()).toBe(0)
  })
})

describe('Redis match queue: several nodes', () => {
  test("the node whose call made the pair reports it; the other node's timer finds its waiter gone", async () => {
    const s = await setup({ nodes: 2, fallbackMs: 200 })
    const [n1, n2] = s.nodes
    await s.enqueue('a', ['x'], true, {}, n1) // n1 holds a's fallback timer
    await s.enqueue('b', ['x'], true, {}, n2)
    expect(n2!.matches).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false }])
    await sleep(350)
    expect(n1!.matches).toEqual([])
    expect(n1!.fallbacks).toEqual([])
  })

  test('fallbacks run on the node that enqueued; two nodes\' random-ready waiters meet', async () => {
    const s = await setup({ nodes: 2, fallbackMs: 200 })
    const [n1, n2] = s.nodes
    await s.enqueue('a', ['knitting'], true, {}, n1)
    await sleep(100)
    await s.enqueue('b', ['surfing'], true, {}, n2)
    await until(() => s.all().length > 0)
    expect(n1!.fallbacks).toEqual(['a'])
    expect(n2!.fallbacks).toEqual([])
    expect(n2!.matches).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: [], random: true }])
  })

  test('a re-enqueued waiter is not touched by the timer of its earlier entry', async () => {
    const s = await setup({ fallbackMs: 150 })
    await s.enqueue('a', ['x'], true) // a fallback timer for this entry…
    await s.enqueue('a', ['x'], false) // …is replaced: no fallback for a random:false waiter
    await sleep(300)
    expect(s.fallbacks).toEqual([])
  })

  for (const n of [20, 200]) {
    test(`${n} waiters enqueued at once through 3 nodes make exactly ${n / 2} symmetric pairs, nobody in two`, async () => {
      const s = await setup({ nodes: 3 })
      const ids = Array.from({ length: n }, (_, k) => `w${k}`)
      // Half with no interests (random-ready at once, they meet each other), half sharing one
      // interest (not random-ready for 8 s, they meet each other): both halves are even.
      await Promise.all(ids.map((id, k) => s.enqueue(id, k % 2 ? [] : ['shared'], true, {}, s.nodes[k % 3])))
      const matches = s.all()
      expect(matches).toHaveLength(n / 2)
      const seen = matches.flatMap(m => [m.a, m.b])
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen.sort()).toEqual(ids.sort())
      for (const m of matches) expect(Number(m.a.slice(1)) % 2).toBe(Number(m.b.slice(1)) % 2) // each within its half
      expect(await s.q.size()).toBe(0)
    })
  }
})
