// A goodbye (close 1000) across two real nodes: the partner is told `ended`, and none of the
// session's keys is left in Redis (listed by the run's prefix) long before its resume window
// would have passed; what outlives it (the chat's transcript, the partner's own record) stays. A
// later `?resume=` with its token gets a fresh session that works. A drop (4000), by contrast,
// still holds the session and resumes on the other node. Runs in the MariaDB suite, on one Redis
// and on a 3-master Redis Cluster (TEST_REDIS_CLUSTER_NODES).
import { afterAll, describe, expect, test } from 'bun:test'
import { startCluster, type ClusterOptions, type TestCluster } from '../support/cluster'
import { uniqueInterest } from '../support/people'
import { openRedis } from '../../api/cluster/redis'
import { keysWithTtl, redisTarget, TEST_REDIS_CLUSTER_NODES } from '../support/redis'
import { TestClient } from '../support/ws-client'

const enabled = process.env.TEST_BACKEND === 'mysql'
const clusters: TestCluster[] = []
const opened: TestClient[] = []
afterAll(async () => {
  for (const x of opened.splice(0)) if (!x.closed) x.ws.close()
  for (const c of clusters) await c.stop()
}, 30_000)

async function connect(url: string, resume?: string) {
  const x = await TestClient.connect(url + (resume ? `?resume=${encodeURIComponent(resume)}` : ''))
  opened.push(x)
  return x
}

async function meet(x: TestClient, y: TestClient) {
  const interest = uniqueInterest()
  x.send({ type: 'find', interests: [interest], random: false })
  await x.next('queued')
  y.send({ type: 'find', interests: [interest], random: false })
  const [mx] = await Promise.all([x.next('matched'), y.next('matched')])
  return mx.chat
}

/** The keys of one session (its record `…s:<id>…` and its lists), and the indexes naming it. */
async function traces(c: TestCluster, id: string) {
  const keys = [...(await keysWithTtl(c.redisUrl, c.redisPrefix)).keys()]
  return { own: keys.filter(k => k.includes(`s:${id}`)), all: keys }
}

function goodbyes(label: string, on: ClusterOptions, run: boolean) {
  describe.if(run)(label, () => {
    test('a goodbye deletes the session from Redis at once and its token later gets a fresh session; a drop is still held', async () => {
      // A long window: anything still there after a second was kept by the goodbye, not the window.
      const c = await startCluster({ ...on, nodes: 2, env: { LOG_LEVEL: 'warn', RESUME_WINDOW_MS: '30000' } })
      clusters.push(c)
      const [n0, n1] = [c.nodes[0]!, c.nodes[1]!]
      const x = await connect(n0.wsUrl)
      const y = await connect(n1.wsUrl)
      const chat = await meet(x, y)
      // Texts both ways and a seen, so every kind of session key exists (outbox, receipts, rx).
      x.send({ type: 'text', id: 'a1', body: 'hello' })
      const a1 = await y.next('text')
      await x.next('delivered')
      y.send({ type: 'text', id: 'b1', body: 'hi' })
      await x.next('text')
      await y.next('delivered')
      y.send({ type: 'seen', seq: a1.seq })
      await x.next('seen')
      expect((await traces(c, x.session)).own.length).toBeGreaterThan(2)

      x.close(1000)
      expect(await y.next('ended')).toMatchObject({ by: 'stranger', reason: 'left' })
      let t = await traces(c, x.session)
      for (let i = 0; i < 20 && t.own.length; i++) {
        await Bun.sleep(50)
        t = await traces(c, x.session)
      }
      expect(t.own).toEqual([])
      // No index names it either: the node sets, the expiry index.
      const redis = await openRedis({ ...redisTarget(c.redisUrl), prefix: c.redisPrefix })
      try {
        for (const n of c.nodes) expect(await redis.cmd.sismember(`${c.redisPrefix}{n:${n.id}}:ns`, x.session)).toBe(0)
        expect(await redis.cmd.zscore(`${c.redisPrefix}{exp}`, x.session)).toBeNull()
      } finally {
        await redis.close()
      }
      // The chat's transcript (for a report by y) and y's own record outlive x.
      expect(t.all.some(k => k.includes(`{c:${chat}}:tr`))).toBe(true)
      expect(t.all.some(k => k.endsWith(`{s:${y.session}}`) || k.endsWith(`}s:${y.session}`))).toBe(true)

      // The goodbye's token, on either node, gets a fresh session that works.
      for (const n of [n1, n0]) {
        const again = await connect(n.wsUrl, x.session)
        expect(again.frames[0]).toMatchObject({ type: 'hello', resumed: false })
        expect(again.session).not.toBe(x.session)
        again.send({ type: 'find', interests: [uniqueInterest()], random: false })
        expect((await again.next('queued')).interests.length).toBe(1)
        expect(again.frames.some(f => f.type === 'error')).toBe(false)
        again.close(1000)
      }

      // A drop: held (its keys stay), the partner told `reconnecting`, and it resumes elsewhere.
      const z = await connect(n0.wsUrl)
      const w = await connect(n1.wsUrl)
      await meet(z, w)
      z.drop()
      expect((await w.next('partner')).state).toBe('reconnecting')
      await Bun.sleep(300)
      expect((await traces(c, z.session)).own.length).toBeGreaterThan(0)
      const z2 = await connect(n1.wsUrl, z.session)
      expect(z2.frames[0]).toMatchObject({ type: 'hello', session: z.session, resumed: true })
      expect((await w.next('partner')).state).toBe('back')
      w.send({ type: 'text', id: 'w1', body: 'still here' })
      expect((await z2.next('text')).body).toBe('still here')
    }, 60_000)
  })
}

goodbyes('a goodbye, on one Redis', {}, enabled)
goodbyes('a goodbye, on a Redis Cluster', { redisClusterNodes: TEST_REDIS_CLUSTER_NODES }, enabled && Boolean(TEST_REDIS_CLUSTER_NODES))
