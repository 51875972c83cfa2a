import { describe, expect, test } from 'bun:test'
import { createMatchmaker, type Match, type MatchmakerOptions } from '../../api/chat/matchmaker'

/** A hand-driven clock: timers fire only when the test advances time. */
function fakeClock() {
  let t = 1_000_000
  let nextId = 1
  const timers = new Map<number, { at: number; fn: () => void }>()
  return {
    now: () => t,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++
      timers.set(id, { at: t + ms, fn })
      return id
    },
    clearTimer: (id: unknown) => void timers.delete(id as number),
    pending: () => timers.size,
    advance(ms: number) {
      const until = t + ms
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined
        for (const e of timers) if (e[1].at <= until && (!due || e[1].at < due[1].at)) due = e
        if (!due) break
        timers.delete(due[0])
        t = due[1].at
        due[1].fn()
      }
      t = until
    },
  }
}

function setup(opts: Partial<MatchmakerOptions> = {}) {
  const clock = fakeClock()
  const matches: Match[] = []
  const fallbacks: string[] = []
  const cooldowns = new Map<string, number>()
  let inspections = 0
  const mm = createMatchmaker({
    fallbackMs: 8000,
    cooldownUntil(a, b) {
      inspections++
      return cooldowns.get(`${a}|${b}`) ?? 0
    },
    onMatch: m => matches.push(m),
    onFallback: id => fallbacks.push(id),
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    ...opts,
  })
  return {
    mm,
    clock,
    matches,
    fallbacks,
    /** Marks a and b as having just chatted, until `ms` from now. */
    cooldown(a: string, b: string, ms: number) {
      cooldowns.set(`${a}|${b}`, clock.now() + ms)
      cooldowns.set(`${b}|${a}`, clock.now() + ms)
    },
    inspections: () => inspections,
    resetInspections: () => void (inspections = 0),
  }
}

const pairOf = (m: Match) => [m.a, m.b].sort().join('+')

describe('matchmaker', () => {
  test('a stranger who shares an interest is matched before a random one', () => {
    const { mm, clock, matches, cooldown } = setup()
    cooldown('rand', 'jazz1', 60_000) // so both wait
    mm.enqueue({ id: 'rand', interests: [], random: true }) // random-ready at once, waiting longest
    clock.advance(10)
    mm.enqueue({ id: 'jazz1', interests: ['jazz'], random: true })
    expect(matches).toEqual([])
    mm.enqueue({ id: 'jazz2', interests: ['chess', 'jazz'], random: true }) // could take rand, but jazz1 shares one
    expect(matches).toHaveLength(1)
    expect(matches[0]).toEqual({ a: 'jazz1', b: 'jazz2', common: ['jazz'], random: false, languages: [] })
    expect(mm.has('rand')).toBe(true)
  })

  test('among several who share an interest, the longest waiting is matched first', () => {
    const { mm, clock, matches, cooldown } = setup()
    // Three waiters who just chatted with each other, so they wait side by side in one queue.
    cooldown('old', 'mid', 60_000)
    cooldown('old', 'new', 60_000)
    cooldown('mid', 'new', 60_000)
    mm.enqueue({ id: 'mid', interests: ['jazz'], random: false })
    clock.advance(100)
    mm.enqueue({ id: 'new', interests: ['jazz', 'go'], random: false })
    mm.remove('mid')
    mm.enqueue({ id: 'old', interests: ['go'], random: false }) // waits longer than `mid` below
    clock.advance(100)
    mm.enqueue({ id: 'mid', interests: ['jazz'], random: false })
    clock.advance(100)
    mm.enqueue({ id: 'me', interests: ['jazz', 'go'], random: false })
    // `new` waits longest of all, found through either interest
    expect(matches).toEqual([{ a: 'new', b: 'me', common: ['jazz', 'go'], random: false, languages: [] }])
    // then `old`, though `me2` lists jazz (where `mid` waits) first
    mm.enqueue({ id: 'me2', interests: ['jazz', 'go'], random: false })
    expect(matches[1]).toEqual({ a: 'old', b: 'me2', common: ['go'], random: false, languages: [] })
    mm.enqueue({ id: 'me3', interests: ['jazz'], random: false })
    expect(matches[2]).toEqual({ a: 'mid', b: 'me3', common: ['jazz'], random: false, languages: [] })
  })

  test('the longest waiting keeps its place after its random fallback started', () => {
    const { mm, clock, matches, cooldown } = setup({ fallbackMs: 1000 })
    cooldown('first', 'later', 60_000)
    mm.enqueue({ id: 'first', interests: ['tea'], random: true })
    clock.advance(10)
    mm.enqueue({ id: 'later', interests: ['tea'], random: false })
    clock.advance(1500) // first becomes random-ready without a partner
    mm.enqueue({ id: 'second', interests: ['tea'], random: false })
    expect(matches).toEqual([{ a: 'first', b: 'second', common: ['tea'], random: false, languages: [] }])
  })

  test("common interests are every shared interest, in the waiting side's order", () => {
    const { mm, matches } = setup()
    mm.enqueue({ id: 'a', interests: ['x', 'y', 'z', 'w'], random: false })
    mm.enqueue({ id: 'b', interests: ['w', 'q', 'y'], random: false })
    expect(matches[0]!.common).toEqual(['y', 'w'])
  })

  test('with random allowed, a waiter falls back to any stranger after MATCH_FALLBACK_MS', () => {
    const { mm, clock, matches, fallbacks } = setup({ fallbackMs: 8000 })
    mm.enqueue({ id: 'a', interests: ['knitting'], random: true })
    clock.advance(1000)
    mm.enqueue({ id: 'b', interests: ['surfing'], random: true })
    clock.advance(6999) // a at 7999 ms: not yet
    expect(matches).toEqual([])
    clock.advance(1) // a is random-ready, b is not yet
    expect(matches).toEqual([])
    expect(fallbacks).toEqual(['a'])
    clock.advance(1000) // b becomes random-ready and finds a
    expect(matches).toEqual([{ a: 'a', b: 'b', common: [], random: true, languages: [] }])
    expect(fallbacks).toEqual(['a']) // b was paired at once: no fallback notice for it
    expect(mm.size).toBe(0)
  })

  test('a waiter with no interests is paired at random at once with a random-ready waiter', () => {
    const { mm, matches } = setup({ fallbackMs: 5000 })
    mm.enqueue({ id: 'any1', interests: [], random: true })
    mm.enqueue({ id: 'any2', interests: [], random: true })
    expect(matches).toEqual([{ a: 'any1', b: 'any2', common: [], random: true, languages: [] }])
    // Issue #18 defect 12: also with one who has interests, long before its fallback delay.
    mm.enqueue({ id: 'fan', interests: ['opera'], random: true })
    mm.enqueue({ id: 'any3', interests: [], random: true })
    expect(matches[1]).toEqual({ a: 'fan', b: 'any3', common: [], random: true, languages: [] })
  })

  test('random:false never pairs at random', () => {
    const { mm, clock, matches } = setup({ fallbackMs: 100 })
    mm.enqueue({ id: 'picky', interests: ['chess'], random: false })
    mm.enqueue({ id: 'any', interests: [], random: true })
    mm.enqueue({ id: 'other', interests: ['go'], random: true })
    clock.advance(10_000)
    // any and other pair with each other at random; picky never joins a random pair
    expect(matches).toEqual([{ a: 'any', b: 'other', common: [], random: true, languages: [] }])
    expect(mm.has('picky')).toBe(true)
    mm.enqueue({ id: 'any2', interests: [], random: true })
    clock.advance(10_000)
    expect(matches).toHaveLength(1)
    mm.enqueue({ id: 'chessfan', interests: ['chess'], random: true })
    expect(matches[1]).toEqual({ a: 'picky', b: 'chessfan', common: ['chess'], random: false, languages: [] })
  })

  test('the re-pair cool-down blocks a pair, and a retry pairs them once it passes', () => {
    const { mm, clock, matches, cooldown } = setup()
    cooldown('a', 'b', 30_000)
    mm.enqueue({ id: 'a', interests: ['x'], random: false })
    mm.enqueue({ id: 'b', interests: ['x'], random: false })
    expect(matches).toEqual([])
    clock.advance(29_000)
    expect(matches).toEqual([])
    clock.advance(1_001)
    expect(matches).toEqual([{ a: 'a', b: 'b', common: ['x'], random: false, languages: [] }])
  })

  test('the cool-down skips only the blocked stranger, not the whole queue', () => {
    const { mm, clock, matches, cooldown } = setup()
    cooldown('me', 'ex', 30_000)
    cooldown('fresh', 'ex', 30_000)
    mm.enqueue({ id: 'ex', interests: ['x'], random: false })
    clock.advance(10)
    mm.enqueue({ id: 'fresh', interests: ['x'], random: false })
    mm.enqueue({ id: 'me', interests: ['x'], random: false })
    expect(matches).toEqual([{ a: 'fresh', b: 'me', common: ['x'], random: false, languages: [] }])
  })

  test('a cool-down shorter than the fallback delay still pairs when it ends', () => {
    const { mm, clock, matches, cooldown } = setup({ fallbackMs: 8000 })
    cooldown('a', 'b', 2000)
    mm.enqueue({ id: 'a', interests: ['x'], random: true })
    mm.enqueue({ id: 'b', interests: ['x'], random: true })
    clock.advance(2001)
    expect(matches).toEqual([{ a: 'a', b: 'b', common: ['x'], random: false, languages: [] }])
  })

  test('two random waiters blocked by a cool-down meet once it ends', () => {
    const { mm, clock, matches, cooldown } = setup({ fallbackMs: 100 })
    cooldown('a', 'b', 30_000)
    mm.enqueue({ id: 'a', interests: [], random: true })
    mm.enqueue({ id: 'b', interests: [], random: true })
    clock.advance(29_999)
    expect(matches).toEqual([])
    clock.advance(2)
    expect(matches.map(pairOf)).toEqual(['a+b'])
  })

  test('remove() takes a waiter out of every index and cancels its timers', () => {
    const { mm, clock, matches } = setup({ fallbackMs: 100 })
    mm.enqueue({ id: 'a', interests: ['x', 'y'], random: true })
    expect(mm.remove('a')).toBe(true)
    expect(mm.remove('a')).toBe(false)
    expect(mm.has('a')).toBe(false)
    expect(clock.pending()).toBe(0)
    mm.enqueue({ id: 'b', interests: ['y'], random: true })
    mm.enqueue({ id: 'c', interests: [], random: true })
    clock.advance(1000)
    expect(matches.map(pairOf)).toEqual(['b+c'])
  })

  test('enqueueing a waiter again replaces its interests', () => {
    const { mm, matches } = setup()
    mm.enqueue({ id: 'a', interests: ['x'], random: false })
    mm.enqueue({ id: 'a', interests: ['y'], random: false })
    expect(mm.size).toBe(1)
    mm.enqueue({ id: 'b', interests: ['x'], random: false })
    expect(matches).toEqual([])
    mm.enqueue({ id: 'c', interests: ['y'], random: false })
    expect(matches).toEqual([{ a: 'a', b: 'c', common: ['y'], random: false, languages: [] }])
  })

  test('nobody is paired with themselves', () => {
    const { mm, clock, matches } = setup({ fallbackMs: 0 })
    mm.enqueue({ id: 'a', interests: ['x'], random: true })
    mm.enqueue({ id: 'a', interests: ['x'], random: true })
    clock.advance(100)
    expect(matches).toEqual([])
  })

  test('countsByInterestCount and close()', () => {
    const { mm, clock } = setup()
    mm.enqueue({ id: 'a', interests: ['x'], random: true })
    mm.enqueue({ id: 'b', interests: ['y', 'z'], random: true })
    mm.enqueue({ id: 'c', interests: ['q'], random: true })
    expect([...mm.countsByInterestCount()].sort()).toEqual([
      [1, 2],
      [2, 1],
    ])
    mm.close()
    expect(mm.size).toBe(0)
    expect(clock.pending()).toBe(0)
  })

  test('enqueue cost does not grow with waiters: 10k waiters on other interests are never inspected', () => {
    const { mm, matches, inspections, resetInspections } = setup()
    for (let i = 0; i < 10_000; i++) mm.enqueue({ id: `w${i}`, interests: [`topic-${i}`, `alt-${i}`], random: false })
    expect(matches).toEqual([])
    resetInspections()
    mm.enqueue({ id: 'new', interests: ['fresh', 'other'], random: false })
    expect(inspections()).toBe(0)
    // A match inspects only the one candidate it takes.
    mm.enqueue({ id: 'hit', interests: ['nothing', 'topic-9999'], random: false })
    expect(inspections()).toBe(1)
    expect(matches).toEqual([{ a: 'w9999', b: 'hit', common: ['topic-9999'], random: false, languages: [] }])
  })

  test('the cost of a match is the same with 100 or 10,000 waiting on other interests', () => {
    const counts: number[] = []
    for (const n of [100, 10_000]) {
      const { mm, inspections, resetInspections } = setup()
      for (let i = 0; i < n; i++) mm.enqueue({ id: `w${i}`, interests: [`t${i}`], random: true })
      mm.enqueue({ id: 'p', interests: ['shared'], random: true })
      resetInspections()
      mm.enqueue({ id: 'q', interests: ['a', 'b', 'shared'], random: true })
      counts.push(inspections())
    }
    expect(counts[0]).toBe(1)
    expect(counts[1]).toBe(counts[0]!)
  })
})
