import { describe, expect, test } from 'bun:test'
import { heapReport, isDirectLoopback } from '../../api/ops/heap'

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
