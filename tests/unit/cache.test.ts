import { describe, expect, test } from 'bun:test'
import { guarded, type RawCache } from '../../api/cache/cache'
import { createMemoryCache } from '../../api/cache/memory'

function clock(start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}

describe('in-process cache', () => {
  test('set/get honour the TTL', async () => {
    const c = clock()
    const m = createMemoryCache(c.now)
    expect(await m.set('k', 'v', 2)).toBe(true)
    expect(await m.get('k')).toBe('v')
    c.advance(1999)
    expect(await m.get('k')).toBe('v')
    c.advance(1)
    expect(await m.get('k')).toBeNull()
    await m.close()
  })

  test('add stores only when the key is absent or expired', async () => {
    const c = clock()
    const m = createMemoryCache(c.now)
    expect(await m.add('k', 'first', 1)).toBe(true)
    expect(await m.add('k', 'second', 1)).toBe(false)
    expect(await m.get('k')).toBe('first')
    c.advance(1000)
    expect(await m.add('k', 'third', 1)).toBe(true)
    expect(await m.get('k')).toBe('third')
    await m.close()
  })

  test('incr creates the counter at `by` with the TTL, then adds; the TTL is not extended', async () => {
    const c = clock()
    const m = createMemoryCache(c.now)
    expect(await m.incr('n', 3, 10)).toBe(3)
    expect(await m.incr('n', 2, 10)).toBe(5)
    c.advance(9_999)
    expect(await m.incr('n', 1, 10)).toBe(6)
    c.advance(1)
    expect(await m.incr('n', 1, 10)).toBe(1)
    await m.set('word', 'abc', 10)
    await expect(m.incr('word', 1, 10)).rejects.toThrow('not a number')
    await m.close()
  })

  test('delete', async () => {
    const m = createMemoryCache()
    await m.set('k', 'v', 10)
    expect(await m.delete('k')).toBe(true)
    expect(await m.delete('k')).toBe(false)
    expect(await m.get('k')).toBeNull()
    expect(await m.ping()).toBe(true)
    await m.close()
  })
})

function raw(behaviour: (op: string) => Promise<never> | never): RawCache {
  const call = (op: string) => behaviour(op)
  return {
    kind: 'memcached',
    get: () => call('get'),
    set: () => call('set'),
    add: () => call('add'),
    delete: () => call('delete'),
    incr: () => call('incr'),
    ping: () => call('ping'),
    close: () => call('close'),
  }
}

async function everyOp(c: ReturnType<typeof guarded>) {
  return {
    get: await c.get('k'),
    set: await c.set('k', 'v', 1),
    add: await c.add('k', 'v', 1),
    delete: await c.delete('k'),
    incr: await c.incr('k', 1, 1),
    ping: await c.ping(),
    close: await c.close(),
  }
}
const FALLBACKS = { get: null, set: false, add: false, delete: false, incr: null, ping: false, close: undefined }

describe('guarded cache', () => {
  test('a raw cache that hangs becomes a bounded fallback, one error per call', async () => {
    const errors: string[] = []
    const c = guarded(
      raw(() => new Promise<never>(() => {})),
      30,
      (op, err) => errors.push(`${op}: ${(err as Error).message}`),
    )
    const started = performance.now()
    const results = await Promise.all([c.get('a'), c.incr('b', 1, 1), c.set('c', 'v', 1)])
    expect(results).toEqual([null, null, false])
    expect(performance.now() - started).toBeLessThan(1000) // bounded, not hanging (generous on a busy machine)
    expect(errors.sort()).toEqual(['get: cache call timed out after 30 ms', 'incr: cache call timed out after 30 ms', 'set: cache call timed out after 30 ms'])
    expect(await everyOp(c)).toEqual(FALLBACKS)
  })

  test('a raw cache that rejects or throws becomes a fallback and never rejects', async () => {
    for (const behaviour of [
      (op: string) => Promise.reject(new Error(`${op} refused`)),
      (op: string) => {
        throw new Error(`${op} threw`)
      },
    ]) {
      const errors: string[] = []
      const c = guarded(raw(behaviour), 1000, op => errors.push(op))
      expect(await everyOp(c)).toEqual(FALLBACKS)
      expect(errors).toEqual(['get', 'set', 'add', 'delete', 'incr', 'ping', 'close'])
    }
  })

  test('a late rejection after the timeout is not reported twice', async () => {
    const errors: string[] = []
    const c = guarded(
      raw(() => Bun.sleep(60).then(() => Promise.reject(new Error('late')))),
      20,
      op => errors.push(op),
    )
    expect(await c.get('k')).toBeNull()
    await Bun.sleep(80)
    expect(errors).toEqual(['get'])
  })

  test('answers pass through unchanged', async () => {
    const c = guarded(createMemoryCache(), 1000)
    expect(c.kind).toBe('memory')
    expect(await c.set('k', 'v', 10)).toBe(true)
    expect(await c.get('k')).toBe('v')
    expect(await c.incr('n', 4, 10)).toBe(4)
    await c.set('w', 'x', 10)
    expect(await c.incr('w', 1, 10)).toBeNull()
    await c.close()
  })
})
