// The Redis MatchQueue (api/cluster/redis-match-queue.ts) against the real Redis, beyond the port's
// contract (tests/contracts/match-queue.ts, run on every implementation by
// match-queue-contract.test.ts): its scan bound, owner clean-up, and atomicity across several
// queue instances on separate connections, as several nodes. Every test runs under its own key prefix.
import { afterAll, describe, expect, test } from 'bun:test'
import type { Match, WaiterSpec } from '../../api/chat/ports/match-queue'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { createRedisMatchQueue, type RedisMatchQueue } from '../../api/cluster/redis-match-queue'
import { deletePrefix, TEST_REDIS_URL, testPrefix } from '../support/redis'

const conns: RedisConnections[] = []
const queues: RedisMatchQueue[] = []
const prefixes: string[] = []
afterAll(async () => {
  await Promise.all(queues.map(q => q.shutdown()))
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

const sleep = (ms: number) => Bun.sleep(ms)
async function until(cond: () => boolean, timeoutMs = 3000) {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(10)
  }
}

describe('Redis match queue: what only it has', () => {
  test('a script looks at no more than scanLimit candidates per set', async () => {
    for (const [scanLimit, pairs] of [
      [4, false],
      [5, true],
    ] as const) {
      const s = await setup({ scanLimit })
      const ex = Array.from({ length: 5 }, (_, k) => `ex${k}`)
      // Five who wait side by side (cool-downs between each other); `me` may meet only the fifth.
      for (const x of ex) for (const y of ex) if (x < y) await s.cooldown(x, y, 60_000)
      for (const x of ex.slice(0, 4)) await s.cooldown('me', x, 60_000)
      for (const x of ex) await s.enqueue(x, ['x'], false)
      await s.enqueue('me', ['x'], false)
      expect({ scanLimit, matches: s.matches }).toEqual({
        scanLimit,
        matches: pairs ? [{ a: 'ex4', b: 'me', aIpHash: 'ip-ex4', bIpHash: 'ip-me', common: ['x'], random: false, languages: [] }] : [],
      })
    }
  })

  test('shutdown() (close, awaited) stops timers and drops the waiters this instance enqueued; dropOwner() does it for a dead one', async () => {
    const s = await setup({ nodes: 2, fallbackMs: 200 })
    const [n1, n2] = s.nodes
    await s.enqueue('a', ['x'], true, {}, n1)
    await s.enqueue('b', ['y'], false, {}, n1)
    await s.enqueue('c', ['z'], false, {}, n2)
    expect(await n2!.q.size()).toBe(3)
    await n1!.q.shutdown()
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
    expect(n2!.matches).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false, languages: [] }])
    await sleep(350)
    expect(n1!.matches).toEqual([])
    expect(n1!.fallbacks).toEqual([])
  })

  test("fallbacks run on the node that enqueued; two nodes' random-ready waiters meet", async () => {
    const s = await setup({ nodes: 2, fallbackMs: 200 })
    const [n1, n2] = s.nodes
    await s.enqueue('a', ['knitting'], true, {}, n1)
    await sleep(100)
    await s.enqueue('b', ['surfing'], true, {}, n2)
    await until(() => s.all().length > 0)
    expect(n1!.fallbacks).toEqual(['a'])
    expect(n2!.fallbacks).toEqual([])
    expect(n2!.matches).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: [], random: true, languages: [] }])
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
      // interest and refusing random strangers (they meet each other): both halves are even.
      await Promise.all(ids.map((id, k) => s.enqueue(id, k % 2 ? [] : ['shared'], k % 2 === 1, {}, s.nodes[k % 3])))
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
