// Web Push across nodes (docs/push.md): two real app processes on one Redis share the VAPID key
// and the subscriptions, so a waiter who subscribed through node A is woken by node B when B makes
// the match; a subscription sent through the other node than the socket's still keeps the waiter
// queued through a drop; an ended chat takes the subscription with it. MariaDB suite only
// (/work/tools/run-mysql.sh or TEST_BACKEND=mysql), like the other cluster suites.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startCluster, type ClusterNode, type TestCluster } from '../support/cluster'
import { uniqueInterest } from '../support/people'
import { startPushService, verifyVapid, type PushService, type Subscriber } from '../support/push-service'
import { trpcClient } from '../support/trpc-calls'
import { TestClient } from '../support/ws-client'

const enabled = process.env.TEST_BACKEND === 'mysql'
let c: TestCluster
let service: PushService
let publicKey = ''
const opened: TestClient[] = []
const node = (i: number) => c.nodes[i]!

async function client(n: ClusterNode, resume?: string) {
  const x = await TestClient.connect(n.wsUrl + (resume ? `?resume=${encodeURIComponent(resume)}` : ''))
  opened.push(x)
  return x
}

async function subscribe(through: ClusterNode, x: TestClient, s: Subscriber) {
  expect(await trpcClient(through.url, { session: x.session }).push.subscribe.mutate(s.subscription)).toEqual({ ok: true })
}

describe.if(enabled)('push across nodes', () => {
  beforeAll(async () => {
    service = startPushService()
    c = await startCluster({
      nodes: 2,
      env: { MATCH_FALLBACK_MS: '60000', RESUME_WINDOW_MS: '8000', LOG_LEVEL: 'warn', PUSH_ALLOW_LOOPBACK: 'on', PUSH_MIN_INTERVAL_SECONDS: '0' },
    })
    publicKey = (await trpcClient(node(0).url).push.key.query()).publicKey!
  }, 60_000)
  afterAll(async () => {
    for (const x of opened.splice(0)) if (!x.closed) x.ws.close()
    await c?.stop()
    await service?.stop()
  }, 30_000)

  test('every node hands out the same VAPID key', async () => {
    expect(publicKey).toMatch(/^[\w-]{87}$/)
    expect((await trpcClient(node(1).url).push.key.query()).publicKey).toBe(publicKey)
  })

  for (const via of [0, 1]) {
    test(`subscribed through node ${via ? 'B (not the socket’s)' : 'A'}, away, matched on node B: the push arrives, signed with the shared key`, async () => {
      const topic = uniqueInterest()
      const s = service.subscriber()
      const a = await client(node(0))
      a.send({ type: 'find', interests: [topic], random: false })
      await a.next('queued')
      await subscribe(node(via), a, s)
      // Through B, the word reaches A's node over Redis pub/sub after the call returns: a phone
      // suspends a page seconds after its search, not within the same millisecond.
      if (via) await Bun.sleep(200)
      a.drop()
      await a.waitClose()
      await Bun.sleep(100)
      const b = await client(node(1))
      b.send({ type: 'find', interests: [topic], random: false })
      const mb = await b.next('matched')
      expect(await b.next('partner')).toEqual({ type: 'partner', state: 'reconnecting' })
      const [p] = await service.pushesFor(s)
      expect(p).toBeDefined()
      verifyVapid(p!, publicKey, s.subscription.endpoint)
      expect(JSON.parse(s.open(p!))).toEqual({ type: 'matched' })
      // The notification's tap: a resumes (here on node B) into the chat.
      const a2 = await client(node(1), a.session)
      expect((await a2.next('matched')).chat).toBe(mb.chat)
      b.send({ type: 'text', id: 'x1', body: 'woken across nodes' })
      expect((await a2.next('text')).body).toBe('woken across nodes')

      // The chat ends: the subscription goes (on every node), so the next search is not woken.
      b.send({ type: 'leave' })
      await a2.next('ended')
      const topic2 = uniqueInterest()
      const mark = a2.frames.length
      a2.send({ type: 'find', interests: [topic2], random: false })
      await a2.after(mark, 'queued')
      a2.drop()
      await a2.waitClose()
      await Bun.sleep(100)
      const d = await client(node(0))
      d.send({ type: 'find', interests: [topic2], random: false })
      await d.next('queued')
      expect(await d.nothing('matched', 400)).toBe(true)
      expect((await service.pushesFor(s, 2, 300)).length).toBe(1)
    })
  }

  test('away from node A and back on node B before any match: still searching, matched once', async () => {
    const topic = uniqueInterest()
    const s = service.subscriber()
    const a = await client(node(0))
    a.send({ type: 'find', interests: [topic], random: false })
    await a.next('queued')
    await subscribe(node(0), a, s)
    a.drop()
    await a.waitClose()
    await Bun.sleep(100)
    const a2 = await client(node(1), a.session)
    await a2.next('queued')
    const b = await client(node(0))
    b.send({ type: 'find', interests: [topic], random: false })
    const [ma, mb] = await Promise.all([a2.next('matched'), b.next('matched')])
    expect(ma.chat).toBe(mb.chat)
    expect(await a2.nothing('matched', 400)).toBe(true)
    expect(await b.nothing('matched', 100)).toBe(true)
  })

  test('with the socket open on another node than the match, no push', async () => {
    const topic = uniqueInterest()
    const s = service.subscriber()
    const a = await client(node(0))
    a.send({ type: 'find', interests: [topic], random: false })
    await a.next('queued')
    await subscribe(node(1), a, s)
    const b = await client(node(1))
    b.send({ type: 'find', interests: [topic], random: false })
    await Promise.all([a.next('matched'), b.next('matched')])
    expect(await service.pushesFor(s, 1, 400)).toEqual([])
  })
})
