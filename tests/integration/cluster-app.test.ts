// The app as a node of a cluster (REDIS_URL set), in-process: what works across nodes before the
// chat core is cluster-aware — the Redis cache, the shared secret, upload tickets, /readyz.
import { afterEach, describe, expect, test } from 'bun:test'
import { createTicketStore } from '../../api/media/tickets'
import { startTestApp, type TestApp } from '../support/app'
import { deletePrefix, startRedis, TEST_REDIS_URL, testPrefix } from '../support/redis'
import { grantTicket } from '../support/media'
import { pair } from '../support/ws-client'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function node(env: Record<string, string>): Promise<TestApp> {
  // MEMCACHED_SERVERS empty = unset, so the cache is Redis on either test backend.
  const app = await startTestApp({ MEMCACHED_SERVERS: '', NODE_HEARTBEAT_MS: '100', NODE_TTL_MS: '400', ...env })
  cleanup.push(() => app.close())
  return app
}

async function readyz(app: TestApp) {
  const r = await fetch(app.url + '/readyz')
  return { status: r.status, body: await r.json() }
}

describe('a node of a cluster', () => {
  test('two nodes share the cache and one secret; a ticket issued on one is claimed on the other', async () => {
    const prefix = testPrefix('app')
    cleanup.push(() => deletePrefix(TEST_REDIS_URL, prefix))
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix }
    const [a, b] = [await node({ ...env, NODE_ID: 'a' }), await node({ ...env, NODE_ID: 'b' })]
    for (const n of [a, b]) {
      expect(n.services.cache.kind).toBe('redis')
      expect(await readyz(n)).toEqual({ status: 200, body: { ok: true, database: true, cache: true, redis: true, closing: false, databaseWritable: true, mediaWritable: true } })
    }
    // Separate DATA_DIRs here, yet one secret: links and address hashes agree.
    expect(b.services.secrets.hashIp('198.51.100.7')).toBe(a.services.secrets.hashIp('198.51.100.7'))
    expect(b.services.secrets.verify('media', 'k', a.services.secrets.sign('media', 'k'))).toBe(true)
    // Both see each other alive.
    expect((await a.services.cluster!.nodes.liveNodes()).map(n => n.id)).toEqual(['a', 'b'])

    // A chat on node a asks for a ticket there; node b's ticket store (its cache) redeems it.
    const { a: x, chat } = await pair(() => a.client())
    const t = await grantTicket(a, x.session, { kind: 'image', mime: 'image/png', size: 10, name: 'p.png' })
    const token = t.uploadUrl.split('/').pop()!
    const onB = createTicketStore({ cache: b.services.cache, now: Date.now, ttlSeconds: 300 })
    const claim = await onB.claim(token, x.session, chat)
    expect(claim).toMatchObject({ ok: true, ticket: { sessionId: x.session, chatId: chat, mime: 'image/png' } })
    // Single use across nodes too.
    const onA = createTicketStore({ cache: a.services.cache, now: Date.now, ttlSeconds: 300 })
    expect(await onA.claim(token, x.session, chat)).toMatchObject({ ok: false, code: 'ticket_used' })
  })

  test('Redis away: /readyz says redis false (503) within about a second, and ready again once it is back', async () => {
    const redis = await startRedis()
    cleanup.push(() => redis.stop())
    const app = await node({ REDIS_URL: redis.url, REDIS_PREFIX: testPrefix('app') })
    expect((await readyz(app)).status).toBe(200)
    await redis.stop()
    const t0 = performance.now()
    const down = await readyz(app)
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ ok: false, redis: false, cache: false, database: true })
    expect(performance.now() - t0).toBeLessThan(1500)
    await redis.start()
    const end = Date.now() + 5000
    let up = await readyz(app)
    while (up.status !== 200 && Date.now() < end) {
      await Bun.sleep(50)
      up = await readyz(app)
    }
    expect(up.body).toEqual({ ok: true, database: true, cache: true, redis: true, closing: false, databaseWritable: true, mediaWritable: true })
  })

  test('a node does not start when its Redis does not answer', async () => {
    const redis = await startRedis()
    await redis.stop()
    const t0 = performance.now()
    await expect(startTestApp({ MEMCACHED_SERVERS: '', REDIS_URL: redis.url })).rejects.toThrow(/did not answer/)
    expect(performance.now() - t0).toBeLessThan(8000) // waits up to 5 s for a Redis starting alongside
  }, 15_000)
})

describe('Redis down under a live cluster node', () => {
  test('finds and texts are refused with `unavailable`, nothing crashes, and new chats work once Redis is back', async () => {
    const redis = await startRedis()
    cleanup.push(() => redis.stop())
    const app = await node({ REDIS_URL: redis.url, REDIS_PREFIX: testPrefix('down'), NODE_ID: 'down-a' })
    const { a, b } = await pair(() => app.client())
    a.send({ type: 'text', id: 'up', body: 'before' })
    expect((await b.next('text')).body).toBe('before')
    // Its receipt too (a second step, on the sender's shard), before Redis goes.
    expect(await a.next('delivered')).toMatchObject({ id: 'up' })
    await redis.stop()
    a.send({ type: 'text', id: 'down', body: 'during' })
    // The refusal names the text it refuses.
    expect(await a.next('error')).toMatchObject({ code: 'unavailable', id: 'down' })
    const c = await app.client()
    c.send({ type: 'find', interests: ['anything'] })
    expect((await c.next('error', 4000)).code).toBe('unavailable')
    expect((await fetch(app.url + '/healthz')).status).toBe(200)
    await redis.start()
    // The restarted Redis is empty (no persistence here): new sessions pair and chat again.
    const end = Date.now() + 8000
    while ((await fetch(app.url + '/readyz')).status !== 200 && Date.now() < end) await Bun.sleep(100)
    const fresh = await pair(() => app.client())
    fresh.a.send({ type: 'text', id: 'again', body: 'after' })
    expect((await fresh.b.next('text')).body).toBe('after')
    for (const x of [a, b, c, fresh.a, fresh.b]) x.ws.close()
  }, 30_000)
})

describe('per-address connection cap across nodes', () => {
  test('MAX_CONNECTIONS_PER_IP counts the sockets of one address on every node', async () => {
    const prefix = testPrefix('cap')
    cleanup.push(() => deletePrefix(TEST_REDIS_URL, prefix))
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, MAX_CONNECTIONS_PER_IP: '3' }
    const [a, b] = [await node({ ...env, NODE_ID: 'cap-a' }), await node({ ...env, NODE_ID: 'cap-b' })]
    const from = { 'x-forwarded-for': '203.0.113.50' }
    const open = [await a.client({ headers: from }), await a.client({ headers: from }), await b.client({ headers: from })]
    const refused = await fetch(b.url + '/chat', {
      headers: { ...from, upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    })
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_connections')
    // Another address is not affected, and a closed socket frees its slot on any node.
    const other = await b.client({ headers: { 'x-forwarded-for': '203.0.113.51' } })
    open[0]!.close()
    await open[0]!.waitClose()
    const end = Date.now() + 3000
    let again: Awaited<ReturnType<typeof b.client>> | null = null
    while (!again && Date.now() < end) again = await b.client({ headers: from }).catch(() => null)
    expect(again).not.toBeNull()
    for (const x of [...open.slice(1), other, again!]) x.ws.close()
  })
})

describe('per-address connection cap, refused attempts', () => {
  test('retries refused by the cluster-wide count, alternating over two nodes, never open more than the cap', async () => {
    const prefix = testPrefix('cap')
    cleanup.push(() => deletePrefix(TEST_REDIS_URL, prefix))
    const cap = 20
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, MAX_CONNECTIONS_PER_IP: String(cap) }
    const nodes = [await node({ ...env, NODE_ID: 'capr-a' }), await node({ ...env, NODE_ID: 'capr-b' })]
    const from = { 'x-forwarded-for': '203.0.113.60' }
    const open: Awaited<ReturnType<TestApp['client']>>[] = []
    // 15 on one node and 5 on the other: each node's own count is below the cap, the cluster's is at it.
    for (let i = 0; i < cap; i++) open.push(await nodes[i < 15 ? 0 : 1]!.client({ headers: from }))
    let admitted = 0
    for (let i = 0; i < 30; i++) {
      const x = await nodes[i % 2]!.client({ headers: from }).catch(() => null)
      if (x) {
        admitted++
        open.push(x)
      }
    }
    expect(admitted).toBe(0)
    // The count is still exact: one socket closed frees exactly one slot, on either node.
    open[0]!.close()
    await open[0]!.waitClose()
    const end = Date.now() + 3000
    let again: Awaited<ReturnType<TestApp['client']>> | null = null
    while (!again && Date.now() < end) again = await nodes[1]!.client({ headers: from }).catch(() => null)
    expect(again).not.toBeNull()
    expect(await nodes[0]!.client({ headers: from }).catch(() => null)).toBeNull()
    for (const x of [...open.slice(1), again!]) x.ws.close()
  })
})
