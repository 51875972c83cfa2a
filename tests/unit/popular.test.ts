import { describe, expect, test } from 'bun:test'
import { createPopularInterests } from '../../api/chat/popular'

const HOUR = 3_600_000

describe('popular interests', () => {
  test('counts interests and ranks them, ties by name', () => {
    const p = createPopularInterests(() => 5 * HOUR)
    p.record(['jazz', 'chess'])
    p.record(['jazz', 'go'])
    p.record(['chess', 'jazz'])
    p.record(['art'])
    expect(p.top(10)).toEqual([
      { name: 'jazz', count: 3 },
      { name: 'chess', count: 2 },
      { name: 'art', count: 1 },
      { name: 'go', count: 1 },
    ])
    expect(p.top(2).map(x => x.name)).toEqual(['jazz', 'chess'])
  })

  test('counts roll over a 24-hour window', () => {
    let t = 100 * HOUR
    const p = createPopularInterests(() => t)
    p.record(['old'])
    t += 12 * HOUR
    p.record(['new', 'old'])
    expect(p.top(5)).toEqual([
      { name: 'old', count: 2 },
      { name: 'new', count: 1 },
    ])
    t += 12 * HOUR // the first hour has left the window
    expect(p.top(5)).toEqual([
      { name: 'new', count: 1 },
      { name: 'old', count: 1 },
    ])
    t += 24 * HOUR
    expect(p.top(5)).toEqual([])
  })

  test('an hour holds a bounded number of distinct names; known names still count', () => {
    const p = createPopularInterests(() => 0)
    p.record(['kept'])
    for (let i = 0; i < 6000; i++) p.record([`spam-${i}`])
    p.record(['kept', 'dropped'])
    const all = p.top(10_000)
    expect(all.length).toBe(5000)
    expect(all[0]).toEqual({ name: 'kept', count: 2 })
    expect(all.some(x => x.name === 'dropped')).toBe(false)
  })
})

test('top() can leave out what fewer than minCount used', () => {
  const p = createPopularInterests(() => 0)
  p.record(['jazz'])
  p.record(['jazz'])
  p.record(['jazz', 'my-own-name'])
  expect(p.top(10, 3)).toEqual([{ name: 'jazz', count: 3 }])
})
