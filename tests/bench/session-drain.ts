// `bun tests/bench/session-drain.ts`: how fast ended sessions leave Redis on one node of a cluster.
// Prints figures; asserts nothing. One node in this process (the chat core over Redis, sockets
// faked as in the contract suite):
//  1. Drops: N sessions close without a goodbye (1006), with no chat, then N in a chat (and then
//     their partners). Once all are held, the bench makes every one's window end at that moment
//     (each record's `hold` deadline and its expiry index entry), so the expiry poll meets the
//     whole backlog at once. Measured: the time until the poll has deleted them all (the index
//     empty, no key of theirs left, every partner told `ended`), and the rate that makes.
//  2. Goodbyes: N sessions in a chat close with 1000. Measured: how long until every partner has
//     its `ended`, and until none of their keys is left.
// Redis: a private redis-server on a free port, or a Redis Cluster with BENCH_REDIS_CLUSTER_NODES
// (host:port,…; `bun tests/support/redis-cluster.ts` starts one), under a fresh key prefix that is
// deleted at the end. Tunables (env): BENCH_SESSIONS (11000), BENCH_WINDOW_MS (20000: the resume
// window, long enough that no drop expires by itself while the others are still closing).
import { allowAll } from '../../api/chat/guard'
import type { Hub } from '../../api/chat/hub'
import type { LocalSession } from '../../api/chat/session'
import { createChatCore } from '../../api/chat-core'
import { createPopularInterests } from '../../api/chat/popular'
import { openCache } from '../../api/cache'
import { createNodeHeartbeat } from '../../api/cluster/nodes'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { sessionKeyOf } from '../../api/cluster/redis-backend'
import { createRedisMatchQueue } from '../../api/cluster/redis-match-queue'
import { loadConfig } from '../../api/config'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'
import { FakeConnection } from '../support/fake-connection'
import { Cluster } from 'ioredis'
import { deletePrefix, redisTarget, startRedis, testPrefix } from '../support/redis'

const num = (name: string, def: number) => Number(process.env[name] ?? def)
const N = num('BENCH_SESSIONS', 11_000)
const WINDOW_MS = num('BENCH_WINDOW_MS', 20_000)
// A private redis-server unless a cluster is named: Redis's own CPU is then this bench's alone.
const ownRedis = process.env.BENCH_REDIS_CLUSTER_NODES ? null : await startRedis()
const target = process.env.BENCH_REDIS_CLUSTER_NODES || ownRedis!.url
const on = redisTarget(target)
const prefix = testPrefix('drain')
/** Sockets opened or closed per tick: a burst, without one tick holding thousands of commands. */
const CHUNK = 250

/**
 * Closes one side of each pair with `code`, CHUNK at a time, each chunk's Redis calls answered
 * before the next (a PING behind them on the same connection): as fast as Redis takes them,
 * without one tick holding thousands of commands past their timeout.
 */
async function closeAll(hub: Hub, redis: RedisConnections, sides: Side[], code: number) {
  for (let i = 0; i < sides.length; i += CHUNK) {
    for (const x of sides.slice(i, i + CHUNK)) hub.close(x.conn, x.s, code)
    await redis.cmd.ping()
    await Bun.sleep(0)
  }
}

interface Side {
  conn: FakeConnection
  s: LocalSession
}

async function startNode(): Promise<{ hub: Hub; redis: RedisConnections; stop(): Promise<void> }> {
  const config = loadConfig({
    DATA_DIR: '/tmp',
    RESUME_WINDOW_MS: String(WINDOW_MS),
    ...(on.url ? { REDIS_URL: on.url } : { REDIS_CLUSTER_NODES: target }),
    REDIS_PREFIX: prefix,
    NODE_ID: 'drain-0',
  })
  const redis = await openRedis({ ...on, prefix })
  let hub: Hub | null = null
  const nodes = createNodeHeartbeat(redis, { nodeId: config.nodeId, heartbeatMs: 1000, ttlMs: 30_000, connected: () => hub?.online ?? 0 })
  await nodes.start()
  const core = createChatCore({
    config,
    cache: openCache(config),
    guard: allowAll,
    log: createLogger('warn'),
    metrics: createMetrics(),
    popular: createPopularInterests(),
    now: Date.now,
    cluster: { redis, nodes },
    transcriptKeepMs: 60_000,
    clusterQueue: events => createRedisMatchQueue(redis, { prefix, fallbackMs: 1000, events, owner: config.nodeId }),
  })
  hub = core.hub
  await core.redisBackend!.listening(5000)
  return {
    hub: core.hub,
    redis,
    async stop() {
      await core.hub.shutdown({ closeWaitMs: 0 })
      await nodes.stop({ leave: true })
      await redis.close()
    },
  }
}

async function until(check: () => Promise<boolean> | boolean, maxMs: number, everyMs = 20): Promise<number | null> {
  const end = Date.now() + maxMs
  for (;;) {
    if (await check()) return Date.now()
    if (Date.now() > end) return null
    await Bun.sleep(everyMs)
  }
}

/** Session keys (`{s:<id>}…`, on a Redis Cluster `{<partition>}s:<id>…`) under the prefix, from every master, counted by session id. */
async function sessionKeys(redis: RedisConnections): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const masters = redis.cmd instanceof Cluster ? redis.cmd.nodes('master') : [redis.cmd]
  for (const m of masters) {
    let cursor = '0'
    do {
      const [next, keys] = await m.scan(cursor, 'MATCH', redis.cluster ? `${prefix}{*}s:*` : `${prefix}{s:*`, 'COUNT', 2000)
      cursor = next
      for (const key of keys) {
        const id = (key.slice(prefix.length).match(/^\{s:([^}]+)\}|^\{[^}]*\}s:([^:]+)/) ?? []).slice(1).find(Boolean)
        if (!id) continue
        out.set(id, (out.get(id) ?? 0) + 1)
      }
    } while (cursor !== '0')
  }
  return out
}
/** Redis's own CPU so far (every master's), µs. */
async function redisCpuUs(redis: RedisConnections): Promise<number> {
  const masters = redis.cmd instanceof Cluster ? redis.cmd.nodes('master') : [redis.cmd]
  let us = 0
  for (const m of masters) {
    const text = await m.info('cpu')
    const field = (name: string) => Number(text.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0)
    us += (field('used_cpu_user') + field('used_cpu_sys')) * 1e6
  }
  return us
}
/** How many of `ids` still have a key. */
async function left(redis: RedisConnections, ids: string[]): Promise<number> {
  const keys = await sessionKeys(redis)
  return ids.filter(id => keys.has(id)).length
}

/** N chats on the node: sessions paired straight through the queue's callback (no queue work). */
async function openChats(hub: Hub, n: number): Promise<Array<[Side, Side]>> {
  const pairs: Array<[Side, Side]> = []
  let ip = 0
  const open = (): Side => {
    const conn = new FakeConnection({ ip: `10.0.${ip >> 8}.${ip++ & 255}`, ipHash: `h-${ip}`, origin: null })
    return { conn, s: hub.open(conn, null) }
  }
  // In chunks, each answered before the next (as sockets arrive, not all in one tick).
  for (let i = 0; i < n; i += CHUNK) {
    const chunk: Array<[Side, Side]> = []
    for (let j = i; j < Math.min(n, i + CHUNK); j++) {
      const a = open()
      const b = open()
      hub.matchHandlers.onMatch({ a: a.s.id, b: b.s.id, aIpHash: a.conn.info.ipHash, bIpHash: b.conn.info.ipHash, common: ['x'], random: false, languages: [] })
      chunk.push([a, b])
    }
    // Every record says "chatting" once both `matched` frames came back through Redis.
    const ok = await until(() => chunk.every(([a, b]) => a.conn.last('matched') && b.conn.last('matched')), 30_000, 5)
    if (ok === null) throw new Error('the chats never all started')
    pairs.push(...chunk)
  }
  return pairs
}

/** N sessions with no chat (as after a find that never matched), opened CHUNK at a time. */
async function openIdle(hub: Hub, redis: RedisConnections, n: number): Promise<Side[]> {
  const out: Side[] = []
  for (let i = 0; i < n; i += CHUNK) {
    for (let j = i; j < Math.min(n, i + CHUNK); j++) {
      const conn = new FakeConnection({ ip: `10.1.${j >> 8}.${j & 255}`, ipHash: `i-${j}`, origin: null })
      out.push({ conn, s: hub.open(conn, null) })
    }
    await redis.cmd.ping()
  }
  return out
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

console.log(`session drain · bun ${Bun.version} · ${N.toLocaleString('en-US')} sessions · window ${WINDOW_MS} ms · ${on.url ? 'one Redis' : 'Redis Cluster'}`)
const node = await startNode()
const { hub, redis } = node
const exp = `${prefix}{exp}`

/**
 * Drops `sides` (1006), waits until every one is held (indexed for expiry), then makes all their
 * windows end now (each record's `hold` deadline and its index entry), so the expiry poll meets
 * the whole backlog at once; measured: how long until it has deleted them all (the index empty,
 * no key of theirs left, and `told`, when given: each expiry tells the partner `ended`).
 */
async function dropAndDrain(label: string, sides: Side[], told?: () => boolean) {
  const ids = sides.map(x => x.s.id)
  const c0 = Date.now()
  await closeAll(hub, redis, sides, 1006)
  const c1 = Date.now()
  if ((await until(async () => (await redis.cmd.zcard(exp)) >= ids.length, 60_000, 20)) === null) return console.log(`  ${label}: never all held`)
  // Every record's deadline first (the index still says later, so the poll takes none yet), then
  // the whole index at once, in one command: the backlog appears in one step.
  const ended = Date.now()
  for (let i = 0; i < ids.length; i += CHUNK) await Promise.all(ids.slice(i, i + CHUNK).map(id => redis.cmd.hset(sessionKeyOf(prefix, id, redis.cluster), 'hold', String(ended))))
  const cpu0 = process.cpuUsage()
  const redis0 = await redisCpuUs(redis)
  const t0 = Date.now()
  await redis.cmd.zadd(exp, ...ids.flatMap(id => [ended, id]))
  const drained = await until(async () => (await redis.cmd.zcard(exp)) === 0 && (!told || told()), 600_000, 10)
  const cpu = process.cpuUsage(cpu0)
  const redisUs = (await redisCpuUs(redis)) - redis0
  const keysLeft = await left(redis, ids)
  if (drained === null) return console.log(`  ${label}: never drained`)
  const rate = ids.length / Math.max(0.001, (drained - t0) / 1000)
  console.log(
    `  ${label}: closed at ${fmt(ids.length / Math.max(0.001, (c1 - c0) / 1000))}/s; ${fmt(ids.length)} windows ended at once: all gone after ${fmt(drained - t0)} ms, ${fmt(rate)} sessions/s; CPU per session ${((cpu.user + cpu.system) / ids.length).toFixed(0)} µs in this node + ${(redisUs / ids.length).toFixed(0)} µs in Redis; with a key left: ${keysLeft}`,
  )
}

try {
  // 1. Drops of sessions in no chat: the poll's own work (one script per session, one unindex per round).
  await dropAndDrain('drops, no chat (1006)', await openIdle(hub, redis, N))

  // 2. Drops of sessions in a chat: each expiry also ends the chat (the partner is told `ended`).
  let pairs = await openChats(hub, N)
  await dropAndDrain(
    'drops, in a chat (1006)',
    pairs.map(([a]) => a),
    () => pairs.every(([, b]) => b.conn.last('ended')),
  )
  // The partners leave too (dropped, so they drain as well) before the next part starts.
  await dropAndDrain(
    'drops, the partners (now in no chat)',
    pairs.map(([, b]) => b),
  )

  // 3. Goodbyes.
  pairs = await openChats(hub, N)
  const ids = pairs.map(([a]) => a.s.id)
  const g0 = Date.now()
  await closeAll(
    hub,
    redis,
    pairs.map(([a]) => a),
    1000,
  )
  const g1 = Date.now()
  const ended = await until(() => pairs.every(([, b]) => b.conn.last('ended')), 120_000, 10)
  const gone = await until(async () => (await left(redis, ids)) === 0, 600_000, 100)
  console.log(
    `  goodbyes, in a chat (1000): closed in ${fmt(g1 - g0)} ms; every partner told ended ${ended === null ? 'never' : fmt(ended - g1) + ' ms'} after the last close; their keys gone ${gone === null ? 'never' : fmt(gone - g1) + ' ms'} after it (window ${fmt(WINDOW_MS)} ms)`,
  )
  if (process.env.BENCH_COMMANDSTATS) console.log(await redis.cmd.info('commandstats'))
} finally {
  await node.stop()
  await deletePrefix(target, prefix)
  await ownRedis?.stop()
}
