// The TTL floor (docs/cluster.md): every key the app writes to Redis expires by itself. A chat
// runs through two real nodes and ends; then every key under the run's prefix must have a TTL.
// Runs in the MariaDB suite, on one Redis and on a 3-master Redis Cluster (TEST_REDIS_CLUSTER_NODES).
import { afterAll, describe, expect, test } from 'bun:test'
import { startCluster, type ClusterOptions, type TestCluster } from '../support/cluster'
import { uniqueInterest } from '../support/people'
import { keysWithTtl, TEST_REDIS_CLUSTER_NODES } from '../support/redis'
import { TestClient } from '../support/ws-client'

const enabled = process.env.TEST_BACKEND === 'mysql'
const clusters: TestCluster[] = []
afterAll(async () => {
  for (const c of clusters) await c.stop()
}, 30_000)

function keyFloor(label: string, on: ClusterOptions, run: boolean) {
  describe.if(run)(label, () => {
    test('after a chat across two nodes has ended, every key the app wrote has a TTL', async () => {
      const c = await startCluster({ ...on, nodes: 2, env: { LOG_LEVEL: 'warn' } })
      clusters.push(c)
      const x = await TestClient.connect(c.nodes[0]!.wsUrl)
      const y = await TestClient.connect(c.nodes[1]!.wsUrl)
      const interest = uniqueInterest()
      x.send({ type: 'find', interests: [interest], random: false })
      await x.next('queued')
      y.send({ type: 'find', interests: [interest], random: false })
      await Promise.all([x.next('matched'), y.next('matched')])
      x.send({ type: 'text', id: 'a1', body: 'hello' })
      expect((await y.next('text')).body).toBe('hello')
      await x.next('delivered')
      y.send({ type: 'text', id: 'b1', body: 'hi' })
      await y.next('delivered')
      x.send({ type: 'leave' })
      expect((await y.next('ended')).reason).toBe('left')
      // One goodbye, one dropped socket (held for resume): both kinds of leftovers are checked.
      x.close(1000)
      y.ws.close(4000, 'test drop')
      await Bun.sleep(500)
      const keys = await keysWithTtl(c.redisUrl, c.redisPrefix)
      // The session records, the queue, the node registry at least.
      expect(keys.size).toBeGreaterThan(5)
      expect([...keys].some(([k]) => k.includes('{s:'))).toBe(true)
      const without = [...keys].filter(([, ttl]) => !(ttl > 0)).map(([k, ttl]) => `${k} (${ttl})`)
      expect(without).toEqual([])
    }, 60_000)
  })
}

keyFloor('the TTL floor, on one Redis', {}, enabled)
keyFloor('the TTL floor, on a Redis Cluster', { redisClusterNodes: TEST_REDIS_CLUSTER_NODES }, enabled && Boolean(TEST_REDIS_CLUSTER_NODES))
