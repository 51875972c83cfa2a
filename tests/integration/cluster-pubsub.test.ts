// Sharded PUB/SUB on a real 3-master Redis Cluster (api/cluster/slots.ts): the key → slot mapping
// the nodes compute agrees with Redis's own, each node listens on one sharded channel per session
// partition and on no classic node channel, and a cross-node chat's frames travel by SPUBLISH on the
// recipient's shard only, never by a PUBLISH that the cluster bus would copy to every master; and
// a partition's marker, gone as when its shard restarts empty, is noticed by every node once.
// Runs in the MariaDB pass, which has the cluster (TEST_REDIS_CLUSTER_NODES).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { keySlot, PARTITIONS, partitionTags } from '../../api/cluster/slots'
import { createPartitionMarkers } from '../../api/cluster/partition-markers'
import { openRedis } from '../../api/cluster/redis'
import { sessionKeyOf } from '../../api/cluster/redis-backend'
import { startCluster, type TestCluster } from '../support/cluster'
import { freshIp, fromIp, uniqueInterest } from '../support/people'
import { deletePrefix, eachMaster, redisTarget, TEST_REDIS_CLUSTER_NODES, testPrefix } from '../support/redis'
import { TestClient } from '../support/ws-client'

/** Summed over every master: `INFO commandstats` calls of each command. */
async function commandCalls(): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  await eachMaster(TEST_REDIS_CLUSTER_NODES, async r => {
    for (const m of (await r.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]))
  })
  return out
}

describe.if(Boolean(TEST_REDIS_CLUSTER_NODES))('sharded PUB/SUB on a Redis Cluster', () => {
  let c: TestCluster
  const opened: TestClient[] = []
  beforeAll(async () => {
    c = await startCluster({ nodes: 2, redisClusterNodes: TEST_REDIS_CLUSTER_NODES, env: { LOG_LEVEL: 'error' } })
  }, 60_000)
  afterAll(async () => {
    for (const x of opened) if (!x.closed) x.ws.close()
    await c?.stop()
  }, 30_000)

  test('the slot of a key is the one Redis computes (hash tags, partition tags, session keys, non-ASCII)', async () => {
    const one = new Redis(Number(TEST_REDIS_CLUSTER_NODES.split(',')[0]!.split(':')[1]), '127.0.0.1', { lazyConnect: true })
    await one.connect()
    try {
      const keys = [
        '123456789',
        'a{}b',
        'a{b',
        '{a}{b}',
        'prix é',
        ...partitionTags().map(t => `x{${t}}n:node-1`),
        ...Array.from({ length: 50 }, () => sessionKeyOf('leetchat:', crypto.randomUUID(), true)),
        ...Array.from({ length: 50 }, () => sessionKeyOf('leetchat:', crypto.randomUUID(), false)),
      ]
      const theirs = await Promise.all(keys.map(k => one.call('CLUSTER', 'KEYSLOT', k) as Promise<number>))
      expect(keys.map(keySlot)).toEqual(theirs.map(Number))
    } finally {
      one.disconnect()
    }
  })

  test('each node listens on its sharded channel of every partition, spread over the masters, and on no classic node channel', async () => {
    const perMaster: number[] = []
    const classic: string[] = []
    for (const node of c.nodes) {
      await eachMaster(TEST_REDIS_CLUSTER_NODES, async r => {
        perMaster.push(((await r.call('PUBSUB', 'SHARDCHANNELS', `${c.redisPrefix}{*}n:${node.id}`)) as string[]).length)
        classic.push(...((await r.pubsub('CHANNELS', `${c.redisPrefix}n:*`)) as string[]))
      })
    }
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(c.nodes.length * PARTITIONS)
    // Three masters with the slot ranges the cluster was created with: 85 or 86 partitions each.
    for (const n of perMaster) expect(n).toBeGreaterThanOrEqual(85)
    expect(classic).toEqual([])
  })

  test('a cross-node chat is carried by SPUBLISH alone, in order', async () => {
    const a = await TestClient.connect(c.nodes[0]!.wsUrl, fromIp(freshIp()))
    const b = await TestClient.connect(c.nodes[1]!.wsUrl, fromIp(freshIp()))
    opened.push(a, b)
    const interest = uniqueInterest()
    a.send({ type: 'find', interests: [interest], random: false })
    await a.next('queued')
    b.send({ type: 'find', interests: [interest], random: false })
    await Promise.all([a.next('matched'), b.next('matched')])
    const before = await commandCalls()
    const N = 20
    for (let i = 0; i < N; i++) a.send({ type: 'text', id: `t${i}`, body: `text ${i}` })
    for (let i = 0; i < N; i++) expect((await b.next('text')).body).toBe(`text ${i}`)
    for (let i = 0; i < N; i++) expect((await a.next('delivered')).id).toBe(`t${i}`)
    const after = await commandCalls()
    const delta = (cmd: string) => (after.get(cmd) ?? 0) - (before.get(cmd) ?? 0)
    // Each text is one SPUBLISH (other nodes' and tests' traffic may add more); each receipt comes
    // back to the sender's node in its relay script's answer.
    expect(delta('spublish')).toBeGreaterThanOrEqual(N)
    // Nothing of this chat went by classic PUBLISH (which the cluster bus copies to every master);
    // only other tests' bans could, so the count may only grow by far less than the chat's frames.
    expect(delta('publish')).toBeLessThan(N)
  }, 30_000)

  test('a partition whose marker vanishes (its shard lost its data) is reported once, by every node watching', async () => {
    const prefix = testPrefix('pmk')
    const lost = [0, 0]
    const conns = await Promise.all([0, 1].map(() => openRedis({ ...redisTarget(TEST_REDIS_CLUSTER_NODES), prefix })))
    const markers = conns.map((r, i) => createPartitionMarkers(r, { everyMs: 60_000, onLost: () => lost[i]!++ }))
    try {
      // The first rounds write the markers (one node wins each) and see nothing lost.
      expect(await markers[0]!.check()).toBe(false)
      expect(await markers[1]!.check()).toBe(false)
      expect(await markers[0]!.check()).toBe(false)
      let held = 0
      await eachMaster(TEST_REDIS_CLUSTER_NODES, async r => void (held += (await r.keys(`${prefix}{*}:mk`)).length))
      expect(held).toBe(PARTITIONS)
      // One partition's marker gone, as when its master restarts empty: both nodes notice, once.
      await conns[0]!.cmd.del(`${prefix}{${partitionTags()[17]}}:mk`)
      expect(await Promise.all(markers.map(m => m.check()))).toEqual([true, true])
      expect(await Promise.all(markers.map(m => m.check()))).toEqual([false, false])
      expect(lost).toEqual([1, 1])
    } finally {
      for (const r of conns) await r.close()
      await deletePrefix(TEST_REDIS_CLUSTER_NODES, prefix)
    }
  })
})
