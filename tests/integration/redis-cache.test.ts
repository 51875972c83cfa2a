// The Redis cache backend against the real Redis, held to the same contract as the in-process
// one (the cases of tests/unit/cache.test.ts, on real time instead of a fake clock), and its
// outage behaviour through `guarded` against a private redis-server that is killed.
import { afterAll, describe, expect, test } from 'bun:test'
import { guarded, type RawCache } from '../../api/cache/cache'
import { openCache } from '../../api/cache'
import { createMemoryCache } from '../../api/cache/memory'
import { createRedisCache } from '../../api/cache/redis'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { loadConfig } from '../../api/config'
import { deletePrefix, startRedis, TEST_REDIS_URL, testPrefix } from '../support/redis'

const prefix = testPrefix('cache')
const conns: RedisConnections[] = []
afterAll(async () => {
  await Promise.all(conns.map(c => c.close()))
  await deletePrefix(TEST_REDIS_URL, prefix)
})

async function redisCache(): Promise<RawCache> {
  const r = await openRedis({ url: TEST_REDIS_URL, prefix })
  conns.push(r)
  return createRedisCache(r)
}

const backends: Array<[string, () => Promise<RawCache>]> = [
  ['memory', async () => createMemoryCache()],
  ['redis', redisCache],
]

// Each test uses fresh keys, so the two backends (and re-runs) never meet.
let n = 0
const fresh = (name: string) => `${name}:${++n}:${Math.random().toString(36).slice(2)}`

for (const [name, make] of backends) {
  describe(`cache contract: ${name}`, () => {
    test('set/get honour the TTL', async () => {
      const c = await make()
      const k = fresh('k')
      expect(await c.set(k, 'v', 1)).toBe(true)
      expect(await c.get(k)).toBe('v')
      await Bun.sleep(1100)
      expect(await c.get(k)).toBeNull()
    })

    test('add stores only when the key is absent or expired', async () => {
      const c = await make()
      const k = fresh('k')
      expect(await c.add(k, 'first', 1)).toBe(true)
      expect(await c.add(k, 'second', 1)).toBe(false)
      expect(await c.get(k)).toBe('first')
      await Bun.sleep(1100)
      expect(await c.add(k, 'third', 1)).toBe(true)
      expect(await c.get(k)).toBe('third')
    })

    test('incr creates the counter at `by` with the TTL, then adds; the TTL is not extended', async () => {
      const c = await make()
      const k = fresh('n')
      expect(await c.incr(k, 3, 1)).toBe(3)
      expect(await c.incr(k, 2, 1)).toBe(5)
      await Bun.sleep(600)
      expect(await c.incr(k, 1, 1)).toBe(6) // not extended by this call…
      await Bun.sleep(600)
      expect(await c.incr(k, 1, 1)).toBe(1) // …so it expired one second after it was created
      const w = fresh('word')
      await c.set(w, 'abc', 10)
      await expect(c.incr(w, 1, 10)).rejects.toThrow()
    })

    test('delete and ping', async () => {
      const c = await make()
      const k = fresh('k')
      await c.set(k, 'v', 10)
      expect(await c.delete(k)).toBe(true)
      expect(await c.delete(k)).toBe(false)
      expect(await c.get(k)).toBeNull()
      expect(await c.ping()).toBe(true)
    })

    test('concurrent delete of one key: exactly one wins (the upload-ticket claim)', async () => {
      const c = await make()
      const k = fresh('ticket')
      await c.set(k, 'v', 10)
      const won = await Promise.all(Array.from({ length: 20 }, () => c.delete(k)))
      expect(won.filter(Boolean)).toHaveLength(1)
    })
  })
}

describe('Redis cache', () => {
  test('keys live under REDIS_PREFIX', async () => {
    const r = await openRedis({ url: TEST_REDIS_URL, prefix })
    conns.push(r)
    const c = createRedisCache(r)
    await c.set('leetchat:ticket:abc', 'x', 10)
    expect(await r.cmd.get(`${prefix}cache:leetchat:ticket:abc`)).toBe('x')
    expect(c.kind).toBe('redis')
  })

  test('openCache picks Redis when REDIS_URL is set and MEMCACHED_SERVERS is not', async () => {
    const r = await openRedis({ url: TEST_REDIS_URL, prefix })
    conns.push(r)
    expect(openCache(loadConfig({ REDIS_URL: TEST_REDIS_URL }), undefined, r).kind).toBe('redis')
    const both = openCache(loadConfig({ REDIS_URL: TEST_REDIS_URL, MEMCACHED_SERVERS: '127.0.0.1:1' }), undefined, r)
    expect(both.kind).toBe('memcached')
    await both.close()
    expect(openCache(loadConfig({}), undefined, null).kind).toBe('memory')
  })

  test('Redis away: every call resolves to its fallback within the cache timeout; back: values again', async () => {
    const redis = await startRedis()
    try {
      const r = await openRedis({ url: redis.url, prefix })
      conns.push(r)
      const errors: string[] = []
      const c = guarded(createRedisCache(r), 250, op => errors.push(op))
      expect(await c.set('k', 'v', 10)).toBe(true)
      await redis.stop()
      const t0 = performance.now()
      const results = await Promise.all([c.get('k'), c.set('k', 'v', 1), c.add('k', 'v', 1), c.delete('k'), c.incr('n', 1, 1), c.ping()])
      expect(results).toEqual([null, false, false, false, null, false])
      expect(performance.now() - t0).toBeLessThan(1000)
      expect(errors.sort()).toEqual(['add', 'delete', 'get', 'incr', 'ping', 'set'])
      await redis.start()
      const until = Date.now() + 5000
      while (!(await c.ping()) && Date.now() < until) await Bun.sleep(20)
      expect(await c.incr('n', 2, 10)).toBe(2)
      expect(await c.get('n')).toBe('2')
    } finally {
      await redis.stop()
    }
  })
})
