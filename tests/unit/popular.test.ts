import { describe, expect, test } from 'bun:test'
import { createPopularInterests, MAX_NAMES_PER_BUCKET } from '../../api/chat/popular'

const HOUR = 3_600_000

describe('popular interests', () => {
  test('per language: what the speakers of a language typed, each address once, and everything for all', async () => {
    const p = createPopularInterests({ now: () => 5 * HOUR, perAddressHour: 2 })
    p.record('a', ['fútbol', 'tapas'], ['es'])
    p.record('b', ['fútbol'], ['es', 'en'])
    p.record('b', ['fútbol'], ['es']) // the same address again: still one
    p.record('c', ['futebol'], ['pt'])
    p.record('d', ['jazz'])
    expect(await p.top(10, 1, 'es')).toEqual([
      { name: 'fútbol', count: 2 },
      { name: 'tapas', count: 1 },
    ])
    expect(await p.top(10, 1, 'en')).toEqual([{ name: 'fútbol', count: 1 }])
    expect(await p.top(10, 1, 'pt')).toEqual([{ name: 'futebol', count: 1 }])
    expect(await p.top(10, 1, 'de')).toEqual([])
    expect(await p.top(10)).toEqual([
      { name: 'fútbol', count: 2 },
      { name: 'futebol', count: 1 },
      { name: 'jazz', count: 1 },
      { name: 'tapas', count: 1 },
    ])
    expect(await p.top(10, 2, 'es')).toEqual([{ name: 'fútbol', count: 2 }])
  })

  test('counts distinct addresses and ranks them, ties by name', async () => {
    const p = createPopularInterests({ now: () => 5 * HOUR })
    p.record('a', ['jazz', 'chess'])
    p.record('b', ['jazz', 'go'])
    p.record('c', ['chess', 'jazz'])
    p.record('d', ['art'])
    expect(await p.top(10)).toEqual([
      { name: 'jazz', count: 3 },
      { name: 'chess', count: 2 },
      { name: 'art', count: 1 },
      { name: 'go', count: 1 },
    ])
    expect((await p.top(2)).map(x => x.name)).toEqual(['jazz', 'chess'])
  })

  test('one address counts once, whatever its sockets or hours (hole 3: no oracle, no advertising)', async () => {
    let t = 100 * HOUR
    const p = createPopularInterests({ now: () => t })
    for (let i = 0; i < 3; i++) p.record('one-address', ['my-secret-word'])
    t += HOUR
    p.record('one-address', ['my-secret-word'])
    t += HOUR
    p.record('one-address', ['my-secret-word'])
    expect(await p.top(10, 3)).toEqual([])
    expect(await p.top(10)).toEqual([{ name: 'my-secret-word', count: 1 }])
  })

  test('counts roll over a 24-hour window', async () => {
    let t = 100 * HOUR
    const p = createPopularInterests({ now: () => t })
    p.record('a', ['old'])
    t += 12 * HOUR
    p.record('b', ['new', 'old'])
    expect(await p.top(5)).toEqual([
      { name: 'old', count: 2 },
      { name: 'new', count: 1 },
    ])
    t += 12 * HOUR // the first hour has left the window
    expect(await p.top(5)).toEqual([
      { name: 'new', count: 1 },
      { name: 'old', count: 1 },
    ])
    t += 24 * HOUR
    expect(await p.top(5)).toEqual([])
  })

  test('an address adds at most its hourly budget of names', async () => {
    const p = createPopularInterests({ now: () => 0, perAddressHour: 10 })
    for (let i = 0; i < 50; i++) p.record('junk-address', [`junk-${i}`])
    expect((await p.top(100)).length).toBe(10)
  })

  test('junk from many addresses cannot crowd out interests several people share', async () => {
    const p = createPopularInterests({ now: () => 0, perAddressHour: 10 })
    for (const ip of ['r1', 'r2', 'r3']) p.record(ip, ['kept'])
    // Enough addresses to fill the bucket several times over with names used once each.
    for (let a = 0; a < (MAX_NAMES_PER_BUCKET / 10) * 2; a++)
      p.record(
        `bot-${a}`,
        Array.from({ length: 10 }, (_, i) => `spam-${a}-${i}`),
      )
    // A real interest arriving after the flood still gets in and counts.
    for (const ip of ['r4', 'r5', 'r6']) p.record(ip, ['late-real'])
    const all = await p.top(100_000)
    expect(all.length).toBeLessThanOrEqual(MAX_NAMES_PER_BUCKET)
    expect(all.slice(0, 2)).toEqual([
      { name: 'kept', count: 3 },
      { name: 'late-real', count: 3 },
    ])
  })
})

test('top() can leave out what fewer than minCount addresses used', async () => {
  const p = createPopularInterests({ now: () => 0 })
  p.record('a', ['jazz'])
  p.record('b', ['jazz'])
  p.record('c', ['jazz', 'my-own-name'])
  expect(await p.top(10, 3)).toEqual([{ name: 'jazz', count: 3 }])
})
