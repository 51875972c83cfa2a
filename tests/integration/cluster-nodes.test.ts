// api/cluster/nodes.ts against the real Redis: three heartbeats on three connections (as three
// nodes), each test under its own key prefix.
import { afterAll, describe, expect, test } from 'bun:test'
import { createNodeHeartbeat, type NodeHeartbeat } from '../../api/cluster/nodes'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { deletePrefix, TEST_REDIS_URL, testPrefix } from '../support/redis'

// Short, but with room for a heartbeat delayed by a busy machine (several beats per TTL).
const HEARTBEAT_MS = 100
const TTL_MS = 600
const prefixes: string[] = []
const conns: RedisConnections[] = []
const beats: NodeHeartbeat[] = []

afterAll(async () => {
  await Promise.all(beats.map(b => b.stop()))
  await Promise.all(conns.map(c => c.close()))
  for (const p of prefixes) await deletePrefix(TEST_REDIS_URL, p)
})

async function cluster(n: number, connected: number[] = []) {
  const prefix = testPrefix('nodes')
  prefixes.push(prefix)
  const dead: Array<{ on: string; id: string }> = []
  const counts = [...connected]
  const nodes: NodeHeartbeat[] = []
  for (let k = 0; k < n; k++) nodes.push(await node(prefix, `n${k}`, () => counts[k] ?? 0, dead))
  return { prefix, nodes, dead, counts }
}

async function node(prefix: string, id: string, connected: () => number, dead: Array<{ on: string; id: string }>) {
  const redis = await openRedis({ url: TEST_REDIS_URL, prefix })
  conns.push(redis)
  const hb = createNodeHeartbeat(redis, { nodeId: id, heartbeatMs: HEARTBEAT_MS, ttlMs: TTL_MS, connected })
  hb.onNodeDead(deadId => void dead.push({ on: id, id: deadId }))
  beats.push(hb)
  await hb.start()
  return hb
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 3000) {
  const t0 = Date.now()
  while (Date.now() - t0 < timeoutMs) {
    if (await cond()) return
    await Bun.sleep(10)
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}

describe('node heartbeats', () => {
  test('live nodes and the cluster-wide online count follow every node', async () => {
    const c = await cluster(3, [2, 5, 0])
    expect(await c.nodes[0]!.liveNodes()).toEqual([
      { id: 'n0', connected: 2 },
      { id: 'n1', connected: 5 },
      { id: 'n2', connected: 0 },
    ])
    expect(await c.nodes[2]!.clusterOnline()).toBe(7)
    c.counts[2] = 10 // the gauge is stored with the next heartbeat
    await until(async () => (await c.nodes[0]!.clusterOnline()) === 17)
  })

  test('a node that stops beating is dead after the TTL: one live node cleans up, once', async () => {
    const c = await cluster(3, [1, 1, 1])
    await c.nodes[1]!.stop() // as if killed: no goodbye
    await until(() => c.dead.length > 0)
    await Bun.sleep(TTL_MS * 2) // more beats on both survivors: nobody fires again
    expect(c.dead).toHaveLength(1)
    expect(c.dead[0]!.id).toBe('n1')
    expect(['n0', 'n2']).toContain(c.dead[0]!.on)
    expect((await c.nodes[0]!.liveNodes()).map(n => n.id)).toEqual(['n0', 'n2'])
    expect(await c.nodes[0]!.clusterOnline()).toBe(2)
  })

  test('a node that leaves removes itself at once and is never reported dead', async () => {
    const c = await cluster(2)
    await c.nodes[1]!.stop({ leave: true })
    expect((await c.nodes[0]!.liveNodes()).map(n => n.id)).toEqual(['n0'])
    await Bun.sleep(TTL_MS * 2)
    expect(c.dead).toEqual([])
  })

  test('a node found dead when nobody was alive is cleaned up by the first node to start', async () => {
    const c = await cluster(1)
    await c.nodes[0]!.stop()
    await Bun.sleep(TTL_MS + 50)
    const dead: Array<{ on: string; id: string }> = []
    await node(c.prefix, 'fresh', () => 0, dead)
    expect(dead).toEqual([{ on: 'fresh', id: 'n0' }])
  })

  test('restarted under the same NODE_ID within the TTL: the new process cleans up after the old one', async () => {
    const c = await cluster(2)
    await c.nodes[0]!.stop()
    const dead: Array<{ on: string; id: string }> = []
    await node(c.prefix, 'n0', () => 0, dead) // same id, new incarnation, key still alive
    expect(dead).toEqual([{ on: 'n0', id: 'n0' }])
    await Bun.sleep(TTL_MS * 2)
    expect(c.dead).toEqual([]) // its peer never saw it die
  })

  test('a node whose own key lapsed (stalled longer than the TTL) is told so', async () => {
    const prefix = testPrefix('nodes')
    prefixes.push(prefix)
    const redis = await openRedis({ url: TEST_REDIS_URL, prefix })
    conns.push(redis)
    let lapsed = 0
    const hb = createNodeHeartbeat(redis, { nodeId: 'slow', heartbeatMs: 60_000, ttlMs: TTL_MS, connected: () => 0, onLapsed: () => lapsed++ })
    beats.push(hb)
    await hb.start()
    await hb.beat()
    expect(lapsed).toBe(0)
    await Bun.sleep(TTL_MS + 50)
    await hb.beat()
    expect(lapsed).toBe(1)
  })

  test('Redis errors never escape a heartbeat; clusterOnline says null', async () => {
    const prefix = testPrefix('nodes')
    prefixes.push(prefix)
    const redis = await openRedis({ url: TEST_REDIS_URL, prefix })
    const errors: unknown[] = []
    const hb = createNodeHeartbeat(redis, { nodeId: 'x', heartbeatMs: 60_000, ttlMs: TTL_MS, connected: () => 0, onError: e => errors.push(e) })
    await hb.start()
    await redis.close()
    await hb.beat() // resolves
    expect(await hb.clusterOnline()).toBeNull()
    expect(errors.length).toBe(2)
  })
  test('Redis losing its data (the marker key gone) is noticed on the next beat, by every node, once', async () => {
    const prefix = testPrefix('nodes')
    prefixes.push(prefix)
    const lost: string[] = []
    const mk = async (id: string) => {
      const redis = await openRedis({ url: TEST_REDIS_URL, prefix })
      conns.push(redis)
      const hb = createNodeHeartbeat(redis, { nodeId: id, heartbeatMs: 60_000, ttlMs: 60_000, connected: () => 0, onDataLost: () => void lost.push(id) })
      beats.push(hb)
      await hb.start()
      return { redis, hb }
    }
    const a = await mk('a')
    const b = await mk('b')
    await a.hb.beat()
    await b.hb.beat()
    expect(lost).toEqual([])
    await a.redis.cmd.del(`${prefix}{nodes}:marker`, `${prefix}{nodes}`, `${prefix}{nodes}:n:a`, `${prefix}{nodes}:n:b`) // as a restart without data
    await b.hb.beat() // writes a new marker
    await a.hb.beat() // sees another one
    await a.hb.beat()
    await b.hb.beat()
    expect(lost.sort()).toEqual(['a', 'b'])
  })

  test('a live node that a peer cleaned up after (taken for dead) is told so on its next beat', async () => {
    const prefix = testPrefix('nodes')
    prefixes.push(prefix)
    const dead: Array<{ on: string; id: string }> = []
    await node(prefix, 'watcher', () => 0, dead)
    const redis = await openRedis({ url: TEST_REDIS_URL, prefix })
    conns.push(redis)
    let taken = 0
    const slow = createNodeHeartbeat(redis, { nodeId: 'slow', heartbeatMs: 60_000, ttlMs: TTL_MS, connected: () => 0, onTakenForDead: () => void taken++ })
    beats.push(slow)
    await slow.start()
    await until(() => dead.some(d => d.id === 'slow'))
    await Bun.sleep(100) // the cleaner sets the flag after its callbacks
    await slow.beat()
    expect(taken).toBe(1)
    await slow.beat()
    expect(taken).toBe(1)
  })
})
