// The MatchQueue contract (api/chat/ports/match-queue.ts) as one suite: the matchmaker's rules and
// what the port adds, run unchanged against every implementation (the in-process queue, the Redis
// one, two Redis queues as two nodes over one Redis). A new implementation passes this first.
import { describe, expect, test } from 'bun:test'
import type { Match, MatchQueue, WaiterSpec } from '../../api/chat/ports/match-queue'

export interface QueueUnderTest {
  /** The queue of the first node (remove, size and cooldown act on the whole queue). */
  q: MatchQueue
  /** Matches reported on any node. */
  all(): Match[]
  /** Fallback notices on any node. */
  allFallbacks(): string[]
  /** A waiter with its own address hash unless given (several nodes: spread over them). */
  enqueue(id: string, interests: string[], random: boolean, extra?: Partial<WaiterSpec>): Promise<void>
  cooldown(a: string, b: string, ms: number): Promise<void>
}

export type QueueFactory = (o?: { fallbackMs?: number }) => Promise<QueueUnderTest>

const pairOf = (m: Match) => [m.a, m.b].sort().join('+')
const sleep = (ms: number) => Bun.sleep(ms)
async function until(cond: () => boolean, timeoutMs = 3000) {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(10)
  }
}

export function describeMatchQueue(name: string, factory: QueueFactory) {
  describe(`${name}: the matchmaker rules`, () => {
    test('a stranger who shares an interest is matched before a random one', async () => {
      const s = await factory()
      await s.enqueue('rand', [], true) // random-ready at once
      await s.enqueue('jazz1', ['jazz'], true)
      expect(s.all()).toEqual([]) // jazz1 is not random-ready yet, and shares nothing with rand
      await s.enqueue('jazz2', ['chess', 'jazz'], true)
      expect(s.all()).toEqual([{ a: 'jazz1', b: 'jazz2', aIpHash: 'ip-jazz1', bIpHash: 'ip-jazz2', common: ['jazz'], random: false }])
      expect(await s.q.size()).toBe(1) // rand still waits
    })

    test('among several who share an interest, the longest waiting is matched first', async () => {
      const s = await factory()
      await s.cooldown('old', 'mid', 60_000)
      await s.cooldown('old', 'new', 60_000)
      await s.cooldown('mid', 'new', 60_000)
      await s.enqueue('mid', ['jazz'], false)
      await s.enqueue('new', ['jazz', 'go'], false)
      await s.q.remove('mid')
      await s.enqueue('old', ['go'], false) // waits longer than `mid` below
      await s.enqueue('mid', ['jazz'], false)
      await s.enqueue('me', ['jazz', 'go'], false)
      expect(s.all()).toEqual([{ a: 'new', b: 'me', aIpHash: 'ip-new', bIpHash: 'ip-me', common: ['jazz', 'go'], random: false }])
      await s.enqueue('me2', ['jazz', 'go'], false)
      expect(s.all()[1]).toEqual({ a: 'old', b: 'me2', aIpHash: 'ip-old', bIpHash: 'ip-me2', common: ['go'], random: false })
      await s.enqueue('me3', ['jazz'], false)
      expect(s.all()[2]).toEqual({ a: 'mid', b: 'me3', aIpHash: 'ip-mid', bIpHash: 'ip-me3', common: ['jazz'], random: false })
    })

    test('the longest waiting keeps its place after its random fallback started', async () => {
      const s = await factory({ fallbackMs: 200 })
      await s.cooldown('first', 'later', 60_000)
      await s.enqueue('first', ['tea'], true)
      await s.enqueue('later', ['tea'], false)
      await until(() => s.allFallbacks().includes('first'))
      await s.enqueue('second', ['tea'], false)
      expect(s.all()).toEqual([{ a: 'first', b: 'second', aIpHash: 'ip-first', bIpHash: 'ip-second', common: ['tea'], random: false }])
    })

    test("common interests are every shared interest, in the waiting side's order", async () => {
      const s = await factory()
      await s.enqueue('a', ['x', 'y', 'z', 'w'], false)
      await s.enqueue('b', ['w', 'q', 'y'], false)
      expect(s.all()[0]!.common).toEqual(['y', 'w'])
    })

    test('with random allowed, a waiter falls back to any stranger after the fallback delay', async () => {
      const s = await factory({ fallbackMs: 600 })
      await s.enqueue('a', ['knitting'], true)
      await sleep(300)
      await s.enqueue('b', ['surfing'], true)
      expect(s.all()).toEqual([]) // a at ~300 ms: not yet
      await until(() => s.allFallbacks().length > 0)
      expect(s.allFallbacks()).toEqual(['a']) // a is random-ready, b is not yet
      expect(s.all()).toEqual([])
      await until(() => s.all().length > 0) // b becomes random-ready and finds a
      expect(s.all()).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: [], random: true }])
      expect(s.allFallbacks()).toEqual(['a']) // b was paired at once: no fallback notice for it
      expect(await s.q.size()).toBe(0)
    })

    test('a waiter with no interests is paired at random at once with a random-ready waiter', async () => {
      const s = await factory({ fallbackMs: 300 })
      await s.enqueue('fan', ['opera'], true)
      await s.enqueue('any1', [], true)
      expect(s.all()).toEqual([]) // fan is not random-ready yet
      await s.enqueue('any2', [], true)
      expect(s.all()).toEqual([{ a: 'any1', b: 'any2', aIpHash: 'ip-any1', bIpHash: 'ip-any2', common: [], random: true }])
      await until(() => s.allFallbacks().includes('fan'))
      await s.enqueue('any3', [], true)
      expect(s.all()[1]).toEqual({ a: 'fan', b: 'any3', aIpHash: 'ip-fan', bIpHash: 'ip-any3', common: [], random: true })
    })

    test('random:false never pairs at random', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('picky', ['chess'], false)
      await s.enqueue('any', [], true)
      await s.enqueue('other', ['go'], true)
      await until(() => s.all().length > 0)
      await sleep(300)
      expect(s.all()).toEqual([{ a: 'any', b: 'other', aIpHash: 'ip-any', bIpHash: 'ip-other', common: [], random: true }])
      await s.enqueue('any2', [], true)
      await sleep(300)
      expect(s.all()).toHaveLength(1)
      await s.enqueue('chessfan', ['chess'], true)
      expect(s.all()[1]).toEqual({ a: 'picky', b: 'chessfan', aIpHash: 'ip-picky', bIpHash: 'ip-chessfan', common: ['chess'], random: false })
    })

    test('the cool-down blocks a pair, and a retry pairs them once it passes', async () => {
      const s = await factory()
      const cooledUntil = Date.now() + 500
      await s.q.cooldown('a', 'b', cooledUntil)
      await s.enqueue('a', ['x'], false)
      await s.enqueue('b', ['x'], false)
      expect(s.all()).toEqual([])
      await until(() => s.all().length > 0)
      expect(Date.now()).toBeGreaterThan(cooledUntil) // not before the cool-down ended
      expect(s.all()).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false }])
    })

    test('the cool-down skips only the blocked stranger, not the whole queue', async () => {
      const s = await factory()
      await s.cooldown('me', 'ex', 30_000)
      await s.cooldown('fresh', 'ex', 30_000)
      await s.enqueue('ex', ['x'], false)
      await s.enqueue('fresh', ['x'], false)
      await s.enqueue('me', ['x'], false)
      expect(s.all()).toEqual([{ a: 'fresh', b: 'me', aIpHash: 'ip-fresh', bIpHash: 'ip-me', common: ['x'], random: false }])
    })

    test('a cool-down shorter than the fallback delay still pairs when it ends', async () => {
      const s = await factory({ fallbackMs: 8000 })
      await s.cooldown('a', 'b', 300)
      await s.enqueue('a', ['x'], true)
      await s.enqueue('b', ['x'], true)
      await until(() => s.all().length > 0, 2000)
      expect(s.all()).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false }])
    })

    test('two random waiters blocked by a cool-down meet once it ends', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.cooldown('a', 'b', 500)
      await s.enqueue('a', [], true)
      await s.enqueue('b', [], true)
      await sleep(300)
      expect(s.all()).toEqual([])
      await until(() => s.all().length > 0)
      expect(s.all().map(pairOf)).toEqual(['a+b'])
    })

    test('a later cool-down call never shortens a longer one', async () => {
      const s = await factory()
      await s.cooldown('a', 'b', 60_000)
      await s.cooldown('b', 'a', 1) // order of the pair does not matter either
      await sleep(20)
      await s.enqueue('a', ['x'], false)
      await s.enqueue('b', ['x'], false)
      expect(s.all()).toEqual([])
    })

    test('remove() takes a waiter out of every index', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('a', ['x', 'y'], true)
      expect(await s.q.remove('a')).toBe(true)
      expect(await s.q.remove('a')).toBe(false)
      await s.enqueue('b', ['y'], true)
      await s.enqueue('c', [], true)
      await until(() => s.all().length > 0)
      await sleep(200) // a's fallback timer was cancelled: nothing else happens
      expect(s.all().map(pairOf)).toEqual(['b+c'])
      expect(await s.q.size()).toBe(0)
    })

    test('enqueueing a waiter again replaces its interests', async () => {
      const s = await factory()
      await s.enqueue('a', ['x'], false)
      await s.enqueue('a', ['y'], false)
      expect(await s.q.size()).toBe(1)
      await s.enqueue('b', ['x'], false)
      expect(s.all()).toEqual([])
      await s.enqueue('c', ['y'], false)
      expect(s.all()).toEqual([{ a: 'a', b: 'c', aIpHash: 'ip-a', bIpHash: 'ip-c', common: ['y'], random: false }])
    })

    test('nobody is paired with themselves', async () => {
      const s = await factory({ fallbackMs: 0 })
      await s.enqueue('a', ['x'], true)
      await s.enqueue('a', ['x'], true)
      await sleep(100)
      expect(s.all()).toEqual([])
      expect(await s.q.size()).toBe(1)
    })
  })

  describe(`${name}: what the port adds`, () => {
    test('a cool-down between address hashes keeps two sessions apart like one between session ids', async () => {
      const s = await factory()
      // Keyed like the in-process queue: 'ip:' + the address hash.
      await s.cooldown('ip:hash-blocker', 'ip:hash-victim', 60_000)
      await s.enqueue('troll', ['x'], false, { ipHash: 'hash-blocker' })
      await s.enqueue('victim', ['x'], false, { ipHash: 'hash-victim' })
      expect(s.all()).toEqual([])
      await s.enqueue('someone', ['x'], false)
      expect(s.all()).toEqual([{ a: 'troll', b: 'someone', aIpHash: 'hash-blocker', bIpHash: 'ip-someone', common: ['x'], random: false }])
    })

    test('only waiters of the same pool meet; the default pool is main', async () => {
      const s = await factory()
      await s.enqueue('quarantined', ['x'], false, { pool: 'review' })
      await s.enqueue('normal', ['x'], false)
      expect(s.all()).toEqual([])
      await s.enqueue('normal2', ['x'], false, { pool: 'main' })
      await s.enqueue('quarantined2', ['x'], false, { pool: 'review' })
      expect(s.all().map(pairOf).sort()).toEqual(['normal+normal2', 'quarantined+quarantined2'])
    })

    test('video finders meet only video finders, and their match says video', async () => {
      const s = await factory()
      await s.enqueue('cam1', ['jazz'], false, { video: true })
      await s.enqueue('text1', ['jazz'], false)
      expect(s.all()).toEqual([])
      await s.enqueue('cam2', ['jazz'], false, { video: true })
      await s.enqueue('text2', ['jazz'], false, { video: false })
      expect(s.all()).toEqual([
        { a: 'cam1', b: 'cam2', aIpHash: 'ip-cam1', bIpHash: 'ip-cam2', common: ['jazz'], random: false, video: true },
        { a: 'text1', b: 'text2', aIpHash: 'ip-text1', bIpHash: 'ip-text2', common: ['jazz'], random: false },
      ])
      expect(s.all()[1]!.video).toBeUndefined()
    })

    test('a video and a text finder never meet, not even by the random fallback', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('cam', [], true, { video: true })
      await s.enqueue('text', [], true)
      await s.enqueue('cam-fan', ['chess'], true, { video: true })
      // cam-fan falls back to random and finds the other video finder, never the text one.
      await until(() => s.all().length > 0)
      await sleep(250)
      expect(s.all()).toEqual([{ a: 'cam', b: 'cam-fan', aIpHash: 'ip-cam', bIpHash: 'ip-cam-fan', common: [], random: true, video: true }])
      expect(await s.q.size()).toBe(1) // the text finder still waits
    })

    test('video finders keep the pool, cool-down and block rules', async () => {
      const s = await factory()
      await s.cooldown('camA', 'camB', 60_000)
      await s.cooldown('ip:hash-blocker', 'ip:hash-victim', 60_000)
      await s.enqueue('camA', ['x'], false, { video: true })
      await s.enqueue('camB', ['x'], false, { video: true }) // cooling down with camA
      await s.enqueue('quarantined', ['x'], false, { video: true, pool: 'review' })
      expect(s.all()).toEqual([])
      await s.q.remove('camA')
      await s.q.remove('camB')
      await s.enqueue('troll', ['x'], false, { video: true, ipHash: 'hash-blocker' })
      await s.enqueue('victim', ['x'], false, { video: true, ipHash: 'hash-victim' }) // blocked from troll
      expect(s.all()).toEqual([])
      await s.enqueue('quarantined2', ['x'], false, { video: true, pool: 'review' })
      await s.enqueue('camB', ['x'], false, { video: true }) // troll waits longest and is free with camB
      expect(s.all().map(pairOf)).toEqual(['quarantined+quarantined2', 'camB+troll'])
      expect(s.all().every(m => m.video === true)).toBe(true)
    })
  })
}
