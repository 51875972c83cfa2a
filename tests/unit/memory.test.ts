import { describe, expect, test } from 'bun:test'
import { heapReport, isDirectLoopback } from '../../api/ops/heap'
import { createReclaimDecider, startMemoryReclaimer } from '../../api/ops/reclaim'

describe('memory reclaim decision', () => {
  test('a wave of sessions gone (at least minDrop and half the peak) asks for one collection', () => {
    const d = createReclaimDecider({ minDrop: 256, minIntervalMs: 30_000 })
    expect([0, 500, 1536, 1500, 1200].map((n, i) => d.observe(n, i * 5000))).toEqual([false, false, false, false, false])
    // 1536 → 700: 836 gone, more than half the peak.
    expect(d.observe(700, 30_000)).toBe(true)
    // The peak starts again from what is left: a further small drop is not a wave.
    expect(d.observe(500, 35_000)).toBe(false)
  })

  test('a small or gradual change never triggers it', () => {
    const d = createReclaimDecider({ minDrop: 256, minIntervalMs: 0 })
    // All of a small peak is still below minDrop.
    expect([200, 100, 0].map((n, i) => d.observe(n, i))).toEqual([false, false, false])
    const big = createReclaimDecider({ minDrop: 256, minIntervalMs: 0 })
    // Steady churn around 5,000 sessions: never half gone.
    expect(Array.from({ length: 50 }, (_, i) => big.observe(5000 - (i % 7) * 300, i)).some(Boolean)).toBe(false)
  })

  test('at most once per interval, and the wave is not forgotten meanwhile', () => {
    const d = createReclaimDecider({ minDrop: 10, minIntervalMs: 30_000 })
    d.observe(100, 0)
    expect(d.observe(0, 1000)).toBe(true)
    d.observe(100, 2000)
    expect(d.observe(0, 10_000)).toBe(false)
    expect(d.observe(0, 31_000)).toBe(true)
  })

  test('minDrop 0 turns it off', () => {
    const d = createReclaimDecider({ minDrop: 0, minIntervalMs: 0 })
    d.observe(100_000, 0)
    expect(d.observe(0, 1)).toBe(false)
  })

  test('the reclaimer frees old-generation garbage that an eden collection keeps', async () => {
    // Measured against what this process held before (other test files share the heap).
    Bun.gc(true)
    const base = process.memoryUsage().heapUsed
    // Survive two full collections so the objects are old, then drop them: as expired sessions are.
    let held: Array<{ s: string; m: Map<string, number> }> | null = Array.from({ length: 200_000 }, (_, i) => ({ s: 'x'.repeat(24) + i, m: new Map([[String(i), i]]) }))
    Bun.gc(true)
    Bun.gc(true)
    const garbage = process.memoryUsage().heapUsed - base
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- dropping the last reference is the point
    held = null
    Bun.gc(false) // an eden collection: not enough
    expect(process.memoryUsage().heapUsed - base).toBeGreaterThan(garbage * 0.8)
    const seen: number[] = []
    let ticks = 0
    const r = startMemoryReclaimer({
      policy: { minDrop: 256, minIntervalMs: 0 },
      // The hub held 200,000 sessions at the first look, none after.
      held: () => (ticks++ === 0 ? 200_000 : 0),
      checkEveryMs: 10,
      onReclaim: x => seen.push(x.heapBefore - x.heapAfter),
    })
    const until = Date.now() + 2000
    while (seen.length < 1 && Date.now() < until) await Bun.sleep(10)
    await Bun.sleep(100) // and not again: the count stays at 0, nothing more has gone
    r.stop()
    expect(seen.length).toBe(1)
    expect(seen[0]!).toBeGreaterThan(garbage * 0.5)
    expect(process.memoryUsage().heapUsed - base).toBeLessThan(garbage * 0.5)
  })
})

describe('the debug heap report', () => {
  test('answers only direct loopback requests', () => {
    const none = new Headers()
    expect(isDirectLoopback('127.0.0.1', none)).toBe(true)
    expect(isDirectLoopback('::1', none)).toBe(true)
    expect(isDirectLoopback('::ffff:127.0.0.1', none)).toBe(true)
    expect(isDirectLoopback('10.0.0.5', none)).toBe(false)
    expect(isDirectLoopback('127.evil.example', none)).toBe(false)
    expect(isDirectLoopback(null, none)).toBe(false)
    // nginx on the same host connects from loopback but always says whom it forwards for.
    expect(isDirectLoopback('127.0.0.1', new Headers({ 'x-forwarded-for': '203.0.113.9' }))).toBe(false)
    expect(isDirectLoopback('127.0.0.1', new Headers({ forwarded: 'for=203.0.113.9' }))).toBe(false)
  })

  test('reports the heap, the allocator and the most numerous object types', () => {
    const r = heapReport({ gc: true, top: 5 })
    expect(r.collected).toBe(true)
    expect(r.heapBytes).toBeGreaterThan(0)
    expect(r.rssBytes).toBeGreaterThan(r.heapBytes)
    expect(Object.keys(r.objectTypeCounts).length).toBe(5)
    const counts = Object.values(r.objectTypeCounts)
    expect(counts).toEqual([...counts].sort((a, b) => b - a))
  })
})
