// Redis for tests. Two kinds:
//  - the machine's shared Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379): tests never flush
//    it, they use their own random key prefix (testPrefix) and delete only their keys;
//  - a private redis-server on a free loopback port (startRedis), for tests that stop and restart
//    Redis to check outage behaviour without touching anyone else's.
import type { Subprocess } from 'bun'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis, { Cluster } from 'ioredis'
import { PARTITIONS } from '../../api/cluster/slots'
import { freePort, waitForPort } from './memcached'

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
/** host:port,… of the Redis Cluster tests/run.ts starts (tests/support/redis-cluster.ts); '' when none. */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES ?? ''

/** A redis:// URL, or host:port,… seeds of a Redis Cluster. */
function isCluster(target: string) {
  return !/^rediss?:\/\//.test(target)
}

/** openRedis options for a test target (a URL or cluster seeds). */
export function redisTarget(target: string): { url?: string; clusterNodes?: string[] } {
  return isCluster(target) ? { clusterNodes: target.split(',') } : { url: target }
}

/** Every key under `prefix` with its TTL in ms (-1: none), from every master when on a cluster. */
export async function keysWithTtl(target: string, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  await eachMaster(target, async r => {
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      for (const key of keys) out.set(key, await r.pttl(key))
    } while (cursor !== '0')
  })
  return out
}

export async function eachMaster(target: string, fn: (r: Redis) => Promise<void>) {
  if (!isCluster(target)) {
    const r = new Redis(target, { lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await r.connect()
      await fn(r)
    } finally {
      r.disconnect()
    }
    return
  }
  const c = new Cluster(
    target.split(',').map(s => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) })),
    { lazyConnect: true },
  )
  try {
    await c.connect()
    for (const node of c.nodes('master')) await fn(node)
  } finally {
    c.disconnect()
  }
}

/** A key prefix no other run uses, e.g. `t:5f2c9a1be0:`. */
export function testPrefix(label = 't'): string {
  return `${label}:${randomBytes(5).toString('hex')}:`
}

/** Deletes every key under `prefix` on the shared Redis or a test cluster (SCAN, never FLUSH). */
export async function deletePrefix(target: string, prefix: string): Promise<void> {
  await eachMaster(target, async r => {
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      // One by one: on a cluster the keys of one SCAN page sit in many slots.
      for (const key of keys) await r.unlink(key)
    } while (cursor !== '0')
  })
}

/** True when a Redis answers at `url` (so suites can say clearly that it is missing). */
export async function redisAnswers(url = TEST_REDIS_URL): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null })
  try {
    await r.connect()
    return (await r.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

export interface PrivateRedis {
  url: string
  port: number
  /** SIGKILL (a crash: nothing saved unless `persist`). */
  stop(): Promise<void>
  start(): Promise<void>
  /** SIGSTOP: connections stay open, nothing answers (a stalled Redis or a partition). */
  freeze(): void
  /** SIGCONT: everything sent meanwhile runs now. */
  thaw(): void
}

export interface PrivateRedisOptions {
  port?: number
  /** An append-only file written on every command, so a killed Redis comes back with its data. */
  persist?: boolean
}

/** A private redis-server on a free loopback port (non-persistent unless `persist`). */
export async function startRedis(opts: number | PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const o = typeof opts === 'number' ? { port: opts } : opts
  const p = o.port ?? (await freePort())
  const bin = Bun.which('redis-server') ?? '/usr/bin/redis-server'
  const dir = o.persist ? mkdtempSync(join(tmpdir(), 'leetchat-redis-')) : null
  const storage = dir ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']
  let proc: Subprocess | null = null
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    async start() {
      if (proc) return
      proc = Bun.spawn([bin, '--bind', '127.0.0.1', '--port', String(p), '--save', '', ...storage], { stdout: 'ignore', stderr: 'ignore' })
      await waitForPort(p, true, 5000, 'redis-server')
    },
    async stop() {
      if (!proc) return
      proc.kill('SIGKILL')
      await proc.exited
      proc = null
      await waitForPort(p, false, 5000, 'redis-server')
    },
    freeze() {
      proc?.kill('SIGSTOP')
    },
    thaw() {
      proc?.kill('SIGCONT')
    },
  }
  await r.start()
  return r
}

/**
 * True once Redis has taken node `node`'s subscription to its frames: the classic channel on one
 * Redis, and on a Redis Cluster its channel of every session partition (sharded PUB/SUB, on each master).
 */
export async function nodeListens(target: string, prefix: string, node: string): Promise<boolean> {
  if (!isCluster(target)) {
    const r = new Redis(target, { lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await r.connect()
      return ((await r.pubsub('NUMSUB', `${prefix}n:${node}`)) as [string, number])[1] >= 1
    } finally {
      r.disconnect()
    }
  }
  let channels = 0
  await eachMaster(target, async r => {
    channels += ((await r.call('PUBSUB', 'SHARDCHANNELS', `${prefix}{*}n:${node}`)) as string[]).length
  })
  return channels === PARTITIONS
}
