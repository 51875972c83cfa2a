import { describe, expect, test } from 'bun:test'
import { createRateLimiter, perMinute, perSecond, takeBoth, takeFrom } from '../../api/safety/rate-limiter'

describe('token bucket rate limiter', () => {
  test('a full bucket allows a burst, then refuses with the time until the next token', () => {
    const l = createRateLimiter(perSecond(5, 3))
    expect([l.take('a', 0), l.take('a', 0), l.take('a', 0)]).toEqual([0, 0, 0])
    expect(l.take('a', 0)).toBe(200) // 5 tokens a second: one every 200 ms
    expect(l.take('a', 100)).toBe(100)
    expect(l.take('a', 200)).toBe(0)
  })

  test('keys are independent', () => {
    const l = createRateLimiter(perMinute(1))
    expect(l.take('a', 0)).toBe(0)
    expect(l.take('a', 0)).toBe(60_000)
    expect(l.take('b', 0)).toBe(0)
  })

  test('wait() never spends, so two buckets can be checked before either is charged', () => {
    const l = createRateLimiter(perSecond(1, 1))
    expect(l.wait('a', 0)).toBe(0)
    expect(l.wait('a', 0)).toBe(0)
    l.spend('a', 0)
    expect(l.wait('a', 0)).toBe(1000)
  })

  test('refilled buckets are pruned, so idle keys do not pile up', () => {
    const l = createRateLimiter(perSecond(10, 10), { minSweep: 100 })
    for (let i = 0; i < 1000; i++) l.take(`k${i}`, i)
    // Keys idle for over a second are full again and dropped on the next sweeps.
    expect(l.size).toBeLessThan(300)
    for (let i = 0; i < 1000; i++) l.take(`late${i}`, 10_000 + i)
    expect(l.size).toBeLessThan(300)
  })

  test('a flood of distinct busy keys is capped at maxKeys', () => {
    const l = createRateLimiter(perMinute(1), { maxKeys: 500, minSweep: 100 })
    for (let i = 0; i < 5000; i++) l.take(`k${i}`, 0)
    expect(l.size).toBeLessThanOrEqual(1000)
  })

  test('pruning never changes an answer for a key still being limited', () => {
    const l = createRateLimiter(perMinute(2), { minSweep: 10 })
    l.take('abuser', 0)
    l.take('abuser', 0)
    for (let i = 0; i < 200; i++) l.take(`other${i}`, 1000 + i)
    expect(l.take('abuser', 1500)).toBeGreaterThan(0)
  })
})

describe('bucket handles and two buckets at once', () => {
  test('a held handle spends from the same bucket the limiter reads', () => {
    const l = createRateLimiter(perSecond(1, 2))
    const b = l.handle('s', 0)
    const other = createRateLimiter(perSecond(100, 100))
    expect(takeFrom(l, 's', b, other, 'ip', other.handle('ip', 0), 0)).toBe(0)
    expect(takeFrom(l, 's', b, other, 'ip', other.handle('ip', 0), 0)).toBe(0)
    expect(l.wait('s', 0)).toBe(1000)
    expect(b.live).toBe(true)
  })

  test('a pruned bucket goes dead, so its holder fetches the new one and no key has two', () => {
    const l = createRateLimiter(perSecond(10, 10), { minSweep: 4 })
    const b = l.handle('s', 0)
    l.take('s', 0)
    // Refilled by 10 s, then swept by the flood of fresh keys.
    for (let i = 0; i < 20; i++) l.take(`k${i}`, 10_000)
    expect(b.live).toBe(false)
    const again = l.handle('s', 10_000)
    expect(again).not.toBe(b)
    expect(l.handle('s', 10_000)).toBe(again)
  })

  test('takeBoth spends from neither when one is empty, and answers the longer wait', () => {
    const s = createRateLimiter(perSecond(1, 1))
    const ip = createRateLimiter(perSecond(2, 1))
    expect(takeBoth(s, 'a', ip, 'x', 0)).toBe(0)
    expect(takeBoth(s, 'a', ip, 'x', 0)).toBe(1000)
    // At 500 ms the address has a token again but the session does not: nothing is spent.
    expect(takeBoth(s, 'a', ip, 'x', 500)).toBe(500)
    expect(ip.wait('x', 500)).toBe(0)
    expect(takeBoth(s, 'a', ip, 'x', 1000)).toBe(0)
  })
})
