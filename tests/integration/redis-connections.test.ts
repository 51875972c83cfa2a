// api/cluster/redis.ts against real Redis: the shared one (own key prefix) for the normal path, a
// private redis-server for an outage (killed and restarted, so nobody else's Redis is touched).
import { afterAll, describe, expect, test } from 'bun:test'
import { defineScript, describeRedisUrl, openRedis, type RedisConnections } from '../../api/cluster/redis'
import { freePort } from '../support/memcached'
import { deletePrefix, startRedis, TEST_REDIS_URL, testPrefix } from '../support/redis'

const prefix = testPrefix('conn')
const opened: RedisConnections[] = []
afterAll(async () => {
  await Promise.all(opened.map(r => r.close()))
  await deletePrefix(TEST_REDIS_URL, prefix)
})

async function open(url: string) {
  const r = await openRedis({ url, prefix })
  opened.push(r)
  return r
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now()
  while (performance.now() - t0 < timeoutMs) {
    if (await cond()) return performance.now() - t0
    await Bun.sleep(20)
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}

describe('Redis connections', () => {
  test('commands, scripts and pub/sub on a dedicated subscriber connection', async () => {
    const r = await open(TEST_REDIS_URL)
    expect(r.prefix).toBe(prefix)
    expect(await r.ping()).toBe(true)
    const incr = defineScript(r.cmd, "return redis.call('INCRBY', KEYS[1], ARGV[1])")
    expect(await incr([`${prefix}n`], [2])).toBe(2)
    expect(await incr([`${prefix}n`], [3])).toBe(5)

    const got: string[] = []
    r.sub.on('message', (channel: string, m: string) => channel === `${prefix}ch` && got.push(m))
    await r.sub.subscribe(`${prefix}ch`)
    await r.cmd.publish(`${prefix}ch`, 'hello')
    await until(async () => got.length === 1, 2000)
    expect(got).toEqual(['hello'])
  })

  test('start-up waits for a Redis that comes up a moment later', async () => {
    const port = await freePort()
    const opening = openRedis({ url: `redis://127.0.0.1:${port}`, prefix, connectTimeoutMs: 4000 })
    await Bun.sleep(300)
    const redis = await startRedis(port)
    try {
      const r = await opening
      opened.push(r)
      expect(await r.ping()).toBe(true)
    } finally {
      await redis.stop()
    }
  })

  test('start-up fails clearly when Redis does not answer', async () => {
    const port = await freePort()
    const t0 = performance.now()
    await expect(openRedis({ url: `redis://127.0.0.1:${port}`, prefix, connectTimeoutMs: 500 })).rejects.toThrow(`Redis at redis://127.0.0.1:${port} did not answer within 500 ms`)
    expect(performance.now() - t0).toBeLessThan(3000)
  })

  test('the URL is logged without its password', () => {
    expect(describeRedisUrl('redis://user:s3cret@cache.internal:6380/2')).toBe('redis://cache.internal:6380/2')
    expect(describeRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
  })

  test('Redis down: commands fail fast, ping is false; Redis back: reconnects, scripts reload, subscriptions return', async () => {
    const redis = await startRedis()
    try {
      const r = await openRedis({ url: redis.url, prefix })
      opened.push(r)
      const script = defineScript(r.cmd, "return redis.call('INCR', KEYS[1])")
      expect(await script([`${prefix}k`], [])).toBe(1)
      const got: string[] = []
      r.sub.on('message', (_c: string, m: string) => got.push(m))
      await r.sub.subscribe(`${prefix}ch`)

      await redis.stop()
      // No offline queue: a command rejects at once instead of waiting for Redis to return.
      const t0 = performance.now()
      await expect(r.cmd.get(`${prefix}k`)).rejects.toThrow()
      await expect(script([`${prefix}k`], [])).rejects.toThrow()
      expect(performance.now() - t0).toBeLessThan(500)
      expect(await r.ping(300)).toBe(false)
      // Many calls while down settle too (nothing piles up).
      const settled = await Promise.allSettled(Array.from({ length: 200 }, () => r.cmd.incr(`${prefix}k`)))
      expect(settled.every(s => s.status === 'rejected')).toBe(true)

      await redis.start() // empty: the script cache and the key are gone
      await until(() => r.ping(300), 5000)
      expect(await script([`${prefix}k`], [])).toBe(1) // NOSCRIPT → EVAL, transparently
      // ioredis resubscribed the subscriber connection by itself.
      await until(async () => {
        await r.cmd.publish(`${prefix}ch`, 'back')
        return got.includes('back')
      }, 5000)
    } finally {
      await redis.stop()
    }
  })

  test('a burst of script calls on a Redis that lost its scripts runs in the order it was made', async () => {
    const redis = await startRedis()
    try {
      const r = await open(redis.url)
      const push = defineScript(r.cmd, "return redis.call('RPUSH', KEYS[1], ARGV[1])")
      const other = defineScript(r.cmd, "return redis.call('RPUSH', KEYS[1], 'o' .. ARGV[1])")
      for (let round = 0; round < 5; round++) {
        const key = `${prefix}order${round}`
        // As after a restart empty: the next calls of both scripts answer NOSCRIPT.
        await r.cmd.script('FLUSH')
        const calls: Promise<unknown>[] = []
        const want: string[] = []
        // Made over several turns of the event loop, so some are made after the first NOSCRIPT came back.
        for (let i = 0; i < 300; i++) {
          const mine = i % 7 === 3
          calls.push(mine ? other([key], [i]) : push([key], [i]))
          want.push(mine ? `o${i}` : String(i))
          if (i % 10 === 9) await Bun.sleep(0)
        }
        await Promise.all(calls)
        expect(await r.cmd.lrange(key, 0, -1)).toEqual(want)
      }
    } finally {
      await redis.stop()
    }
  })

  test('a Redis that accepts but never answers: commands still reject in bounded time', async () => {
    const redis = await startRedis()
    try {
      const r = await openRedis({ url: redis.url, prefix })
      opened.push(r)
      const pid = Number((await r.cmd.info('server')).match(/process_id:(\d+)/)![1])
      process.kill(pid, 'SIGSTOP')
      try {
        const t0 = performance.now()
        expect(await r.ping(300)).toBe(false)
        await expect(r.cmd.get(`${prefix}k`)).rejects.toThrow(/timed out/i)
        expect(performance.now() - t0).toBeLessThan(4000)
      } finally {
        process.kill(pid, 'SIGCONT')
      }
      await until(() => r.ping(300), 5000)
    } finally {
      await redis.stop()
    }
  })
})
