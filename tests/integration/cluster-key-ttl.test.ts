// The TTL floor (docs/cluster.md): every key the app writes to Redis expires by itself. A chat
// runs through two real nodes (with seen, a reply and a receipt held while one side is away) and
// ends, then one of them chats again with a third stranger; then, while the receipt is held and
// in the second chat, every key under the run's prefix must have a TTL.
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
      // Seen, a reply and a receipt held while y is away write the rx/dr keys and the seen field.
      const b1 = (await x.next('text')).seq
      y.send({ type: 'seen', seq: y.lastSeq() })
      expect((await x.next('seen')).id).toBe('a1')
      x.send({ type: 'text', id: 'a2', body: 're', replyTo: b1 })
      expect((await y.next('text')).replyTo).toEqual({ id: 'b1' })
      expect((await x.next('delivered')).id).toBe('a2')
      y.drop()
      expect((await x.next('partner')).state).toBe('reconnecting')
      x.send({ type: 'text', id: 'a3', body: 'while you were away' })
      let mid = await keysWithTtl(c.redisUrl, c.redisPrefix)
      for (let i = 0; i < 50 && ![...mid.keys()].some(k => k.endsWith(':dr')); i++) {
        await Bun.sleep(100)
        mid = await keysWithTtl(c.redisUrl, c.redisPrefix)
      }
      expect([...mid.keys()].some(k => k.endsWith(':dr'))).toBe(true)
      expect([...mid.keys()].some(k => k.endsWith(':rx'))).toBe(true)
      expect([...mid].filter(([, ttl]) => !(ttl > 0)).map(([k, ttl]) => `${k} (${ttl})`)).toEqual([])
      const y2 = await TestClient.connect(`${c.nodes[1]!.wsUrl}?resume=${encodeURIComponent(y.session)}`)
      expect((await x.next('delivered')).id).toBe('a3')
      // A transcript keeps the floor while its chat lives and the after-chat keep (5 min) once it ends.
      const tr = () => [...mid].find(([k]) => k.endsWith(':tr'))
      expect(tr()![1]).toBeGreaterThan(5 * 60_000)
      x.send({ type: 'leave' })
      expect((await y2.next('ended')).reason).toBe('left')
      await Bun.sleep(200)
      mid = await keysWithTtl(c.redisUrl, c.redisPrefix)
      expect(tr()![1]).toBeGreaterThan(0)
      expect(tr()![1]).toBeLessThanOrEqual(5 * 60_000)
      // A second chat writes its rcv/rx/sent afresh (the first chat's went at its end or the new match): they get the floor too.
      const z = await TestClient.connect(c.nodes[0]!.wsUrl)
      const again = uniqueInterest()
      z.send({ type: 'find', interests: [again], random: false })
      await z.next('queued')
      y2.send({ type: 'find', interests: [again], random: false })
      await Promise.all([z.next('matched'), y2.next('matched')])
      z.send({ type: 'text', id: 'z1', body: 'second chat' })
      expect((await y2.next('text')).body).toBe('second chat')
      await z.next('delivered')
      y2.send({ type: 'text', id: 'y1', body: 'answer' })
      expect((await z.next('text')).body).toBe('answer')
      await y2.next('delivered')
      mid = await keysWithTtl(c.redisUrl, c.redisPrefix)
      for (const part of [':rcv', ':rx', ':sent', ':ob'])
        expect([...mid.keys()].filter(k => k.endsWith(`s:${y2.session}${part}`) || k.endsWith(`s:${y2.session}}${part}`)).length).toBe(1)
      expect([...mid].filter(([, ttl]) => !(ttl > 0)).map(([k, ttl]) => `${k} (${ttl})`)).toEqual([])
      z.send({ type: 'leave' })
      expect((await y2.next('ended')).reason).toBe('left')
      z.close(1000)
      // One goodbye, one dropped socket (held for resume): both kinds of leftovers are checked.
      x.close(1000)
      y2.ws.close(4000, 'test drop')
      await Bun.sleep(500)
      const keys = await keysWithTtl(c.redisUrl, c.redisPrefix)
      // The session records, the queue, the node registry at least.
      expect(keys.size).toBeGreaterThan(5)
      expect([...keys].some(([k]) => /[{}]s:/.test(k))).toBe(true)
      const without = [...keys].filter(([, ttl]) => !(ttl > 0)).map(([k, ttl]) => `${k} (${ttl})`)
      expect(without).toEqual([])
    }, 60_000)
  })
}

keyFloor('the TTL floor, on one Redis', {}, enabled)
keyFloor('the TTL floor, on a Redis Cluster', { redisClusterNodes: TEST_REDIS_CLUSTER_NODES }, enabled && Boolean(TEST_REDIS_CLUSTER_NODES))
