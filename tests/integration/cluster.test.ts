// Several real app processes as one cluster (tests/support/cluster.ts): one Redis, one MariaDB
// database, one DATA_DIR. Needs MariaDB, so it runs in the MariaDB suite (TEST_BACKEND=mysql).
import { afterAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import type { TestApp } from '../support/app'
import { startCluster, type TestCluster } from '../support/cluster'
import { png } from '../support/media-files'
import { send } from '../support/media'
import { TestClient } from '../support/ws-client'

const clusters: TestCluster[] = []
const redisClients: Redis[] = []
afterAll(async () => {
  for (const c of clusters) await c.stop()
  for (const r of redisClients) r.disconnect()
})

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(v)})`)
    await Bun.sleep(50)
  }
}

describe.if(process.env.TEST_BACKEND === 'mysql')('cluster of app processes', () => {
  test('3 nodes started at once on a fresh database all come up, healthy and ready, and see each other', async () => {
    const c = await startCluster({ nodes: 3 })
    clusters.push(c)
    for (const n of c.nodes) {
      expect((await fetch(n.url + '/healthz')).status).toBe(200)
      const ready = await fetch(n.url + '/readyz')
      expect(await ready.json()).toEqual({ ok: true, database: true, cache: true, redis: true, closing: false, databaseWritable: true, mediaWritable: true })
      expect(n.logs.some(l => l.msg === 'listening' && l.cache === 'redis' && l.nodeId === n.id)).toBe(true)
    }
    const redis = new Redis(c.redisUrl)
    redisClients.push(redis)
    expect((await redis.smembers(`${c.redisPrefix}{nodes}`)).sort()).toEqual(c.nodes.map(n => n.id).sort())

    // kill -9 one: its heartbeat lapses and a peer removes it; a new node joins.
    const [, victim] = c.nodes
    await c.kill(victim!)
    await until(
      () => redis.smembers(`${c.redisPrefix}{nodes}`),
      ids => !ids.includes(victim!.id),
    )
    const fresh = await c.startNode()
    expect((await redis.smembers(`${c.redisPrefix}{nodes}`)).sort()).toEqual([c.nodes[0]!.id, c.nodes[2]!.id, fresh.id].sort())
    expect((await fetch(fresh.url + '/readyz')).status).toBe(200)

    // A graceful stop leaves at once.
    await c.nodes[0]!.stop()
    expect(await redis.smembers(`${c.redisPrefix}{nodes}`)).not.toContain(c.nodes[0]!.id)
  }, 60_000)

  test('a media link made on one node opens on another: one secret, one database, one DATA_DIR', async () => {
    const c = await startCluster({ nodes: 2 })
    clusters.push(c)
    const [a, b] = c.nodes
    const interest = 'x' + Math.random().toString(36).slice(2)
    const x = await TestClient.connect(a!.wsUrl)
    const y = await TestClient.connect(a!.wsUrl)
    x.send({ type: 'find', interests: [interest], random: false })
    await x.next('queued')
    y.send({ type: 'find', interests: [interest], random: false })
    await x.next('matched')
    const bytes = png(3, 3)
    const up = await send({ url: a!.url } as TestApp, x.session, 'image', 'image/png', bytes, 'dot.png')
    expect(up.status).toBe(201)
    const link = up.json!.media!.url
    const onB = await fetch(new URL(link, b!.url))
    expect(onB.status).toBe(200)
    expect(new Uint8Array(await onB.arrayBuffer())).toEqual(bytes)
    x.ws.close()
    y.ws.close()
  }, 60_000)
})
