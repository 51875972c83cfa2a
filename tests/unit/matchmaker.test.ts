// The in-process engine's own properties: its clock arithmetic on a hand-driven clock, what it
// keeps besides the queue (timers, counts by interest count) and the cost of a match. The rules
// every match queue keeps (interests first, fallback, cool-downs, one report per waiter) are the
// contract suite's (tests/contracts/match-queue.ts), run on this engine and on Redis.
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

describe('matchmaker engine', () => {
  test("the engine's clock: the fallback comes exactly at fallbackMs, a cool-down retry right after it ends", () => {
    const { mm, clock, matches, fallbacks, cooldown } = setup({ fallbackMs: 8000 })
    mm.enqueue({ id: 'a', interests: ['knitting'], random: true })
    clock.advance(7999)
    expect(fallbacks).toEqual([])
    clock.advance(1)
    expect(fallbacks).toEqual(['a'])
    cooldown('b', 'c', 30_000)
    mm.remove('a')
    mm.enqueue({ id: 'b', interests: ['x'], random: false })
    mm.enqueue({ id: 'c', interests: ['x'], random: false })
    clock.advance(30_000)
    expect(matches).toEqual([])
    clock.advance(1)
    expect(matches).toEqual([{ a: 'b', b: 'c', common: ['x'], random: false, languages: [] }])
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
