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
      await s.cooldown('rand', 'jazz1', 60_000) // so both wait
      await s.enqueue('rand', [], true) // random-ready at once, and waiting longest
      await s.enqueue('jazz1', ['jazz'], true)
      expect(s.all()).toEqual([])
      await s.enqueue('jazz2', ['chess', 'jazz'], true) // could take rand at once (no interests), but jazz1 shares one
      expect(s.all()).toEqual([{ a: 'jazz1', b: 'jazz2', aIpHash: 'ip-jazz1', bIpHash: 'ip-jazz2', common: ['jazz'], random: false, languages: [] }])
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
      expect(s.all()).toEqual([{ a: 'new', b: 'me', aIpHash: 'ip-new', bIpHash: 'ip-me', common: ['jazz', 'go'], random: false, languages: [] }])
      await s.enqueue('me2', ['jazz', 'go'], false)
      expect(s.all()[1]).toEqual({ a: 'old', b: 'me2', aIpHash: 'ip-old', bIpHash: 'ip-me2', common: ['go'], random: false, languages: [] })
      await s.enqueue('me3', ['jazz'], false)
      expect(s.all()[2]).toEqual({ a: 'mid', b: 'me3', aIpHash: 'ip-mid', bIpHash: 'ip-me3', common: ['jazz'], random: false, languages: [] })
    })

    test('the longest waiting keeps its place after its random fallback started', async () => {
      const s = await factory({ fallbackMs: 200 })
      await s.cooldown('first', 'later', 60_000)
      await s.enqueue('first', ['tea'], true)
      await s.enqueue('later', ['tea'], false)
      await until(() => s.allFallbacks().includes('first'))
      await s.enqueue('second', ['tea'], false)
      expect(s.all()).toEqual([{ a: 'first', b: 'second', aIpHash: 'ip-first', bIpHash: 'ip-second', common: ['tea'], random: false, languages: [] }])
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
      expect(s.all()).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: [], random: true, languages: [] }])
      expect(s.allFallbacks()).toEqual(['a']) // b was paired at once: no fallback notice for it
      expect(await s.q.size()).toBe(0)
    })

    test('a waiter with no interests is paired at random at once with a random-ready waiter', async () => {
      const s = await factory({ fallbackMs: 300 })
      await s.enqueue('any1', [], true)
      await s.enqueue('any2', [], true)
      expect(s.all()).toEqual([{ a: 'any1', b: 'any2', aIpHash: 'ip-any1', bIpHash: 'ip-any2', common: [], random: true, languages: [] }])
      await s.cooldown('fan', 'any3', 60_000)
      await s.enqueue('fan', ['opera'], true)
      await s.enqueue('any3', [], true)
      await until(() => s.allFallbacks().includes('fan'))
      await s.enqueue('any4', [], true)
      expect(s.all()[1]).toEqual({ a: 'fan', b: 'any4', aIpHash: 'ip-fan', bIpHash: 'ip-any4', common: [], random: true, languages: [] })
    })

    // "Anyone will do" waited 7 s beside someone with interests who allowed random.
    test('a newcomer with no interests is paired at once with a waiter who has interests and allows random', async () => {
      const s = await factory({ fallbackMs: 60_000 })
      await s.enqueue('fan', ['opera', 'chess'], true)
      await s.enqueue('picky', ['go'], false)
      await s.enqueue('anyone', [], true)
      expect(s.all()).toEqual([{ a: 'fan', b: 'anyone', aIpHash: 'ip-fan', bIpHash: 'ip-anyone', common: [], random: true, languages: [] }])
      expect(s.allFallbacks()).toEqual([]) // long before fan's fallback delay
      await s.enqueue('anyone2', [], true)
      expect(s.all()).toHaveLength(1) // random:false is never taken at random
    })

    test('a newcomer with interests who allows random takes a waiting no-interest stranger when nobody shares one', async () => {
      const s = await factory({ fallbackMs: 60_000 })
      await s.enqueue('anyone', [], true)
      await s.enqueue('picky', ['opera'], false)
      expect(s.all()).toEqual([])
      await s.enqueue('fan', ['opera', 'chess'], true) // picky shares opera: shared interests win
      expect(s.all()).toEqual([{ a: 'picky', b: 'fan', aIpHash: 'ip-picky', bIpHash: 'ip-fan', common: ['opera'], random: false, languages: [] }])
      await s.enqueue('fan2', ['chess'], true) // nobody shares chess: anyone, at once
      expect(s.all()[1]).toEqual({ a: 'anyone', b: 'fan2', aIpHash: 'ip-anyone', bIpHash: 'ip-fan2', common: [], random: true, languages: [] })
    })

    test('two waiters who both have interests still meet at random only after the fallback delay', async () => {
      const s = await factory({ fallbackMs: 60_000 })
      await s.enqueue('knit', ['knitting'], true)
      await s.enqueue('surf', ['surfing'], true)
      await sleep(100)
      expect(s.all()).toEqual([])
    })

    test('random:false never pairs at random', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('picky', ['chess'], false)
      await s.enqueue('any', [], true)
      await s.enqueue('other', ['go'], true)
      await until(() => s.all().length > 0)
      await sleep(300)
      expect(s.all()).toEqual([{ a: 'any', b: 'other', aIpHash: 'ip-any', bIpHash: 'ip-other', common: [], random: true, languages: [] }])
      await s.enqueue('any2', [], true)
      await sleep(300)
      expect(s.all()).toHaveLength(1)
      await s.enqueue('chessfan', ['chess'], true)
      expect(s.all()[1]).toEqual({ a: 'picky', b: 'chessfan', aIpHash: 'ip-picky', bIpHash: 'ip-chessfan', common: ['chess'], random: false, languages: [] })
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
      expect(s.all()).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false, languages: [] }])
    })

    test('the cool-down skips only the blocked stranger, not the whole queue', async () => {
      const s = await factory()
      await s.cooldown('me', 'ex', 30_000)
      await s.cooldown('fresh', 'ex', 30_000)
      await s.enqueue('ex', ['x'], false)
      await s.enqueue('fresh', ['x'], false)
      await s.enqueue('me', ['x'], false)
      expect(s.all()).toEqual([{ a: 'fresh', b: 'me', aIpHash: 'ip-fresh', bIpHash: 'ip-me', common: ['x'], random: false, languages: [] }])
    })

    test('a cool-down shorter than the fallback delay still pairs when it ends', async () => {
      const s = await factory({ fallbackMs: 8000 })
      await s.cooldown('a', 'b', 300)
      await s.enqueue('a', ['x'], true)
      await s.enqueue('b', ['x'], true)
      await until(() => s.all().length > 0, 2000)
      expect(s.all()).toEqual([{ a: 'a', b: 'b', aIpHash: 'ip-a', bIpHash: 'ip-b', common: ['x'], random: false, languages: [] }])
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
      expect(s.all()).toEqual([{ a: 'a', b: 'c', aIpHash: 'ip-a', bIpHash: 'ip-c', common: ['y'], random: false, languages: [] }])
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

  describe(`${name}: languages (rule 7)`, () => {
    const pt = { languages: ['pt'] }
    const es = { languages: ['es'] }

    test('two waiters who state languages pair only if they share one', async () => {
      const s = await factory()
      await s.enqueue('p', ['jazz'], false, pt)
      await s.enqueue('e', ['jazz'], false, es)
      expect(s.all()).toEqual([])
      await s.enqueue('en-pt', ['jazz'], false, { languages: ['en', 'pt'] })
      expect(s.all()).toEqual([{ a: 'p', b: 'en-pt', aIpHash: 'ip-p', bIpHash: 'ip-en-pt', common: ['jazz'], random: false, languages: ['pt'] }])
      expect(await s.q.size()).toBe(1)
    })

    test("the shared languages are every one both state, in the waiting side's order", async () => {
      const s = await factory()
      await s.enqueue('a', [], true, { languages: ['fr', 'en', 'pt'] })
      await s.enqueue('b', [], true, { languages: ['pt', 'de', 'fr'] })
      expect(s.all()[0]!.languages).toEqual(['fr', 'pt'])
    })

    test('a waiter who states no language meets anyone, and the pair shares no language', async () => {
      const s = await factory()
      await s.enqueue('p', ['jazz'], false, pt)
      await s.enqueue('none', ['jazz'], false)
      await s.enqueue('e', [], true, es)
      await s.enqueue('none2', [], true, { languages: [] })
      expect(s.all()).toEqual([
        { a: 'p', b: 'none', aIpHash: 'ip-p', bIpHash: 'ip-none', common: ['jazz'], random: false, languages: [] },
        { a: 'e', b: 'none2', aIpHash: 'ip-e', bIpHash: 'ip-none2', common: [], random: true, languages: [] },
      ])
    })

    test('interests rank within a language: a shared language beats the longer wait', async () => {
      const s = await factory()
      await s.enqueue('p', ['jazz'], true, pt)
      await s.enqueue('e', ['jazz'], true, es)
      await s.enqueue('me', ['jazz'], true, es)
      expect(s.all()).toEqual([{ a: 'e', b: 'me', aIpHash: 'ip-e', bIpHash: 'ip-me', common: ['jazz'], random: false, languages: ['es'] }])
    })

    test('the random fallback keeps the language rule', async () => {
      const s = await factory({ fallbackMs: 200 })
      await s.enqueue('p', ['knitting'], true, pt)
      await s.enqueue('e', ['surfing'], true, es)
      await until(() => s.allFallbacks().length === 2)
      await sleep(200)
      expect(s.all()).toEqual([])
      await s.enqueue('anyone-pt', [], true, { languages: ['en', 'pt'] })
      expect(s.all()).toEqual([{ a: 'p', b: 'anyone-pt', aIpHash: 'ip-p', bIpHash: 'ip-anyone-pt', common: [], random: true, languages: ['pt'] }])
    })

    test('without anyLanguage the language rule never drops', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('p', [], true, pt)
      await s.enqueue('e', [], true, es)
      await sleep(400)
      expect(s.all()).toEqual([])
      expect(s.allFallbacks()).toEqual([]) // neither had a fallback to wait for
    })

    test('anyLanguage drops the language rule once the fallback delay passed, for two who both allow it', async () => {
      const s = await factory({ fallbackMs: 300 })
      const start = Date.now()
      await s.enqueue('p', ['tea'], true, { languages: ['pt'], anyLanguage: true })
      await s.enqueue('e', ['tea'], false, { languages: ['es'], anyLanguage: true })
      expect(s.all()).toEqual([])
      await until(() => s.all().length > 0)
      expect(Date.now() - start).toBeGreaterThanOrEqual(290)
      expect(s.all()).toEqual([{ a: 'p', b: 'e', aIpHash: 'ip-p', bIpHash: 'ip-e', common: ['tea'], random: false, languages: [] }])
    })

    test('a waiter whose language rule dropped does not meet one of another language who kept it', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('p', [], true, { languages: ['pt'], anyLanguage: true })
      await until(() => s.allFallbacks().includes('p'))
      await s.enqueue('e', [], true, es)
      await sleep(200)
      expect(s.all()).toEqual([])
      await s.enqueue('f', [], true, { languages: ['fr'], anyLanguage: true })
      expect(s.all()).toEqual([]) // f's own rule drops only after its own delay
      await until(() => s.all().length > 0)
      expect(s.all().map(pairOf)).toEqual(['f+p'])
    })

    test('after the language rule drops, a shared language still comes first (interest, then random), then other languages', async () => {
      const s = await factory({ fallbackMs: 0 }) // every rule drops at once: the order alone decides
      await s.cooldown('other', 'same', 60_000)
      await s.enqueue('other', ['jazz'], true, { languages: ['es'], anyLanguage: true })
      await s.enqueue('same', ['chess'], true, pt)
      expect(s.all()).toEqual([])
      await s.enqueue('me', ['jazz'], true, { languages: ['pt'], anyLanguage: true })
      expect(s.all()).toEqual([{ a: 'same', b: 'me', aIpHash: 'ip-same', bIpHash: 'ip-me', common: [], random: true, languages: ['pt'] }])
      await s.enqueue('me2', ['jazz'], true, { languages: ['pt'], anyLanguage: true })
      expect(s.all()[1]).toEqual({ a: 'other', b: 'me2', aIpHash: 'ip-other', bIpHash: 'ip-me2', common: ['jazz'], random: false, languages: [] })
    })

    test('a partner of its language is found however many of other languages wait ahead', async () => {
      const s = await factory({ fallbackMs: 60_000 })
      for (let k = 0; k < 100; k++) await s.enqueue(`es${k}`, [`own-${k}`], true, es)
      await s.enqueue('fan-pt', ['fado'], true, pt)
      expect(s.all()).toEqual([])
      await s.enqueue('anyone-pt', [], true, pt) // looks past the 100 of another language (the Redis scan limit is 64)
      expect(s.all()).toEqual([{ a: 'fan-pt', b: 'anyone-pt', aIpHash: 'ip-fan-pt', bIpHash: 'ip-anyone-pt', common: [], random: true, languages: ['pt'] }])
      // 100 who share the interest but not the language, kept apart from each other by an address cool-down.
      await s.cooldown('ip:one-school', 'ip:one-school', 60_000)
      for (let k = 0; k < 100; k++) await s.enqueue(`e-fado${k}`, ['fado'], false, { ...es, ipHash: 'one-school' })
      await s.enqueue('fado-pt', ['fado'], false, { languages: ['pt'] })
      await s.enqueue('fado-pt2', ['fado'], false, { languages: ['en', 'pt'] })
      expect(s.all()[1]).toEqual({ a: 'fado-pt', b: 'fado-pt2', aIpHash: 'ip-fado-pt', bIpHash: 'ip-fado-pt2', common: ['fado'], random: false, languages: ['pt'] })
    })

    test('"anyone will do" keeps the language rule: a no-interest newcomer takes a waiter with interests of its language only', async () => {
      const s = await factory({ fallbackMs: 60_000 })
      await s.enqueue('fan-es', ['opera'], true, es)
      await s.enqueue('fan-pt', ['opera'], true, pt)
      expect(s.all()).toEqual([])
      await s.enqueue('anyone', [], true, pt)
      expect(s.all()).toEqual([{ a: 'fan-pt', b: 'anyone', aIpHash: 'ip-fan-pt', bIpHash: 'ip-anyone', common: [], random: true, languages: ['pt'] }])
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
      expect(s.all()).toEqual([{ a: 'troll', b: 'someone', aIpHash: 'hash-blocker', bIpHash: 'ip-someone', common: ['x'], random: false, languages: [] }])
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
        { a: 'cam1', b: 'cam2', aIpHash: 'ip-cam1', bIpHash: 'ip-cam2', common: ['jazz'], random: false, languages: [], video: true },
        { a: 'text1', b: 'text2', aIpHash: 'ip-text1', bIpHash: 'ip-text2', common: ['jazz'], random: false, languages: [] },
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
      expect(s.all()).toEqual([{ a: 'cam', b: 'cam-fan', aIpHash: 'ip-cam', bIpHash: 'ip-cam-fan', common: [], random: true, languages: [], video: true }])
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

/**
 * Cases that were the in-process engine's unit tests (tests/unit/matchmaker.test.ts) and are rules
 * of every queue: rule 5 (a waiter is reported once: removed, paired or enqueued again, its earlier
 * entry's timer reports nothing) and close(). The engine's clock arithmetic and cost stay units.
 */
export function describeMatchQueueWaiterReports(name: string, factory: QueueFactory) {
  describe(`${name}: one report per waiter, and close()`, () => {
    test('a removed waiter gets no fallback notice, and is never paired', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('gone', ['x'], true)
      expect(await s.q.remove('gone')).toBe(true)
      await sleep(300) // past its fallback delay
      await s.enqueue('any', [], true)
      await sleep(100)
      expect(s.allFallbacks()).toEqual([])
      expect(s.all()).toEqual([])
      expect(await s.q.size()).toBe(1)
    })

    test('a waiter paired by interest is not reported again by its fallback timer, nor paired again', async () => {
      const s = await factory({ fallbackMs: 150 })
      await s.enqueue('a', ['x'], true) // its fallback timer is armed
      await s.enqueue('b', ['x'], true)
      expect(s.all().map(pairOf)).toEqual(['a+b'])
      await sleep(400)
      expect(s.allFallbacks()).toEqual([])
      await s.enqueue('c', ['x'], true)
      await s.enqueue('d', [], true)
      await sleep(400)
      expect(s.all().map(pairOf)).toEqual(['a+b', 'c+d'])
      expect(await s.q.size()).toBe(0)
    })

    test('a waiter enqueued again is told of its fallback once, timed from its latest entry', async () => {
      const s = await factory({ fallbackMs: 300 })
      await s.enqueue('a', ['x'], true)
      await sleep(150)
      const again = Date.now()
      await s.enqueue('a', ['y'], true)
      await until(() => s.allFallbacks().length > 0)
      expect(Date.now() - again).toBeGreaterThanOrEqual(290) // not the first entry's timer
      await sleep(400)
      expect(s.allFallbacks()).toEqual(['a'])
      expect(await s.q.size()).toBe(1)
    })

    test('a waiter who allows no random pairing keeps waiting while random ones pair', async () => {
      const s = await factory({ fallbackMs: 100 })
      await s.enqueue('picky', ['chess'], false)
      await s.enqueue('r1', ['go'], true)
      await s.enqueue('r2', [], true)
      await until(() => s.all().length > 0)
      await sleep(300)
      expect(s.all().map(pairOf)).toEqual(['r1+r2'])
      expect(await s.q.size()).toBe(1)
      expect(s.allFallbacks()).not.toContain('picky')
    })

    test("close() stops the queue's timers and drops the waiters it enqueued", async () => {
      const s = await factory({ fallbackMs: 150 })
      await s.enqueue('w', ['x'], true) // the first waiter of a factory is enqueued on `q`
      s.q.close()
      const end = Date.now() + 3000
      while ((await s.q.size()) > 0 && Date.now() < end) await sleep(20)
      expect(await s.q.size()).toBe(0)
      await sleep(300) // past the fallback delay
      expect(s.allFallbacks()).toEqual([])
      expect(s.all()).toEqual([])
    })
  })
}
