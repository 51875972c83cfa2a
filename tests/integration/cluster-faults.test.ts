// Two real app processes on a private Redis that is frozen (SIGSTOP for 4 s: a stalled Redis or a
// network partition, where every command times out) and then down (killed, back with its data
// from an append-only file). Every way a chat ends — leave, next, goodbye close, block, a report,
// a ban — is taken during the fault: no node exits, and each partner is told once Redis answers.
// Runs in the MariaDB suite (startCluster), like the other cluster suites.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestApp } from '../support/app'
import { startCluster, type ClusterNode, type TestCluster } from '../support/cluster'
import { mutation } from '../support/media'
import { freshIp, fromIp, uniqueInterest } from '../support/people'
import { startRedis, type PrivateRedis } from '../support/redis'
import { TestClient } from '../support/ws-client'

const enabled = process.env.TEST_BACKEND === 'mysql'
const FAULT_MS = 4000

describe.if(enabled)('two nodes while their Redis is frozen or down', () => {
  let redis: PrivateRedis
  let c: TestCluster
  const opened: TestClient[] = []
  beforeAll(async () => {
    redis = await startRedis({ persist: true })
    c = await startCluster({
      nodes: 2,
      redisUrl: redis.url,
      // A heartbeat TTL longer than the fault: this suite is about the chat paths, not a node
      // taken for dead (cluster-stall.test.ts).
      env: { NODE_TTL_MS: '10000', LOG_LEVEL: 'error', REPORT_BAN_THRESHOLD: '2', RESUME_WINDOW_MS: '30000', MATCH_FALLBACK_MS: '60000' },
    })
  }, 60_000)
  afterAll(async () => {
    redis?.thaw()
    for (const x of opened) if (!x.closed) x.ws.close()
    await c?.stop()
    await redis?.stop()
  }, 30_000)

  const node = (i: number) => c.nodes[i]!
  async function client(n: ClusterNode, ip = freshIp()) {
    const x = await TestClient.connect(n.wsUrl, fromIp(ip))
    opened.push(x)
    return x
  }
  /** a on node 0 and b on node 1 in one chat (b's address given, for the ban). */
  async function pair(bIp = freshIp()) {
    const aIp = freshIp()
    const a = await client(node(0), aIp)
    const b = await client(node(1), bIp)
    const interest = uniqueInterest()
    a.send({ type: 'find', interests: [interest], random: false })
    await a.next('queued')
    b.send({ type: 'find', interests: [interest], random: false })
    await Promise.all([a.next('matched'), b.next('matched')])
    return { a, b, aIp }
  }
  // From the reporter's own address, as a browser would: the report's network is the request's
  // (127.0.0.1 without it, an address other test files report from and have dismissed).
  const report = (p: { a: { session: string }; aIp: string }) =>
    mutation({ url: node(0).url } as TestApp, 'reports.create', { reason: 'abuse' }, p.a.session, fromIp(p.aIp)).catch((e: unknown) => e)

  function expectNodesAlive() {
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()
  }

  async function everyPathDuring(fault: { begin(): Promise<void> | void; end(): Promise<void> | void }) {
    const victimIp = freshIp()
    // One earlier report of the victim's address: the report taken during the fault makes two (a ban).
    const before = await pair(victimIp)
    expect((await report(before)) as { ok: boolean }).toMatchObject({ ok: true })
    await before.b.next('ended')
    const leave = await pair()
    const next = await pair()
    const goodbye = await pair()
    const block = await pair()
    const reported = await pair()
    const banned = await pair(victimIp)

    await fault.begin()
    leave.a.send({ type: 'leave' })
    next.a.send({ type: 'next' })
    goodbye.a.ws.close(1000)
    block.a.send({ type: 'block' })
    const reports = [report(reported), report(banned)]
    await Bun.sleep(FAULT_MS)
    expectNodesAlive()
    await fault.end()
    await Promise.all(reports)

    // Told once Redis answers (a retried push), each with what ended the chat.
    const told = 12_000
    expect(await leave.b.next('ended', told)).toMatchObject({ by: 'stranger', reason: 'left' })
    expect(await leave.a.next('ended', told)).toMatchObject({ by: 'you', reason: 'left' })
    expect(await next.b.next('ended', told)).toMatchObject({ by: 'stranger', reason: 'next' })
    expect(await goodbye.b.next('ended', told)).toMatchObject({ by: 'stranger', reason: 'left' })
    expect(await block.b.next('ended', told)).toMatchObject({ by: 'stranger', reason: 'left' })
    expect(await reported.b.next('ended', told)).toMatchObject({ by: 'stranger', reason: 'left' })
    expect(await banned.b.next('ended', told)).toMatchObject({ by: 'stranger' })
    // The ban reaches the banned session on the other node too.
    const end = Date.now() + told
    while (!banned.b.all('error').some(e => e.code === 'banned') && Date.now() < end) await Bun.sleep(50)
    expect(banned.b.all('error').map(e => e.code)).toContain('banned')

    // The cluster chats again, and no node exited.
    const fresh = await pair()
    fresh.a.send({ type: 'text', id: 'after', body: 'still here' })
    expect((await fresh.b.next('text', 5000)).body).toBe('still here')
    expectNodesAlive()
    for (const n of c.nodes) expect((await fetch(n.url + '/healthz')).status).toBe(200)
  }

  test(
    'frozen for 4 s: leave, next, goodbye, block, report and ban end their chats, every partner is told, no node exits',
    () => everyPathDuring({ begin: () => redis.freeze(), end: () => redis.thaw() }),
    60_000,
  )

  test('down for 4 s (back with its data): the same paths, the same answers, no node exits', () => everyPathDuring({ begin: () => redis.stop(), end: () => redis.start() }), 60_000)
})

describe.if(enabled)('two nodes when their Redis restarts empty', () => {
  let redis: PrivateRedis
  let c: TestCluster
  const opened: TestClient[] = []
  beforeAll(async () => {
    redis = await startRedis()
    c = await startCluster({ nodes: 2, redisUrl: redis.url, env: { NODE_TTL_MS: '10000', LOG_LEVEL: 'error', MAX_CONNECTIONS_PER_IP: '3', MATCH_FALLBACK_MS: '60000' } })
  }, 60_000)
  afterAll(async () => {
    for (const x of opened) if (!x.closed) x.ws.close()
    await c?.stop()
    await redis?.stop()
  }, 30_000)

  const node = (i: number) => c.nodes[i]!
  async function client(n: ClusterNode, ip = freshIp()) {
    const x = await TestClient.connect(n.wsUrl, fromIp(ip))
    opened.push(x)
    return x
  }

  /** Two strangers, on node 0 and node 1, in a chat. */
  async function pairAcross() {
    const x = await client(node(0))
    const y = await client(node(1))
    const talk = uniqueInterest()
    x.send({ type: 'find', interests: [talk], random: false })
    await x.next('queued')
    y.send({ type: 'find', interests: [talk], random: false })
    await Promise.all([x.next('matched'), y.next('matched')])
    return [x, y] as const
  }

  test('chats end with `interrupted`, a waiter is queued again and found, the connection cap and popular interests still count, no node exits', async () => {
    const [x, y] = await pairAcross()
    x.send({ type: 'text', id: 't1', body: 'before' })
    expect((await y.next('text')).body).toBe('before')
    const w = await client(node(0))
    const waitFor = uniqueInterest()
    w.send({ type: 'find', interests: [waitFor], random: false })
    await w.next('queued')
    // Three addresses used one interest (two of them now chat, one waits): popular once three did.
    const shared = uniqueInterest()
    const fans = [await client(node(0)), await client(node(1)), await client(node(0))]
    for (const f of fans) {
      f.send({ type: 'find', interests: [shared], random: false })
      await f.next('queued')
    }
    // One address at the cap (3), over both nodes.
    const capIp = freshIp()
    const capped = [await client(node(0), capIp), await client(node(0), capIp), await client(node(1), capIp)]

    await redis.stop()
    await redis.start() // no persistence: everything the cluster kept in Redis is gone

    const told = 10_000
    expect(await x.next('ended', told)).toMatchObject({ by: 'server', reason: 'interrupted' })
    expect(await y.next('ended', told)).toMatchObject({ by: 'server', reason: 'interrupted' })
    // The seq goes on from what the client saw (it drops frames whose seq it has seen).
    expect(x.all('ended')[0]!.seq).toBeGreaterThan(x.all('delivered')[0]!.seq)
    // The waiter was put back in the queue: a stranger on the other node finds them.
    const n = await client(node(1))
    n.send({ type: 'find', interests: [waitFor], random: false })
    const [mw, mn] = await Promise.all([w.next('matched', told), n.next('matched', told)])
    expect(mw.chat).toBe(mn.chat)
    // Popular interests are counted again from the sessions the nodes hold (asked after the loss:
    // each node reuses its answer for a few seconds).
    const popular = async (n: ClusterNode) =>
      ((await (await fetch(`${n.url}/trpc/interests.popular?input=${encodeURIComponent('{"limit":50}')}`)).json()) as { result: { data: Array<{ name: string; count: number }> } })
        .result.data
    expect(await popular(node(1))).toContainEqual({ name: shared, count: 3 })
    // The address's sockets are counted again.
    expect(await TestClient.connect(node(1).wsUrl, fromIp(capIp)).catch(() => null)).toBeNull()
    // They chat again, each with someone new (the two of them are in their re-pair cool-down).
    const z = await client(node(1))
    const again = uniqueInterest()
    x.send({ type: 'find', interests: [again], random: false })
    await x.next('queued')
    z.send({ type: 'find', interests: [again], random: false })
    await Promise.all([x.next('matched', told), z.next('matched', told)])
    z.send({ type: 'text', id: 't2', body: 'after' })
    expect((await x.next('text')).body).toBe('after')
    for (const k of capped) k.ws.close()
    for (const nd of c.nodes) expect(nd.proc.exitCode).toBeNull()
  }, 60_000)

  test('restarted empty, then two strangers on different nodes text at once: each one’s texts arrive in the order sent, no socket re-synced', async () => {
    await redis.stop()
    await redis.start()
    for (const n of c.nodes) {
      const until = Date.now() + 10_000
      while ((await fetch(n.url + '/readyz')).status !== 200 && Date.now() < until) await Bun.sleep(50)
    }
    const [x, y] = await pairAcross()
    const marks = [x.mark(), y.mark()]
    // The relay's script is new to this Redis: both nodes' first texts find it missing at once.
    const N = 150
    for (let i = 0; i < N; i++) {
      x.send({ type: 'text', id: `x${i}`, body: `x${i}` })
      y.send({ type: 'text', id: `y${i}`, body: `y${i}` })
    }
    const sides = [
      { me: x, mark: marks[0]!, theirs: 'y' },
      { me: y, mark: marks[1]!, theirs: 'x' },
    ]
    const texts = (me: TestClient, mark: number) => me.since(mark).flatMap(f => (f.type === 'text' ? [f.body] : []))
    for (let t = 0; t < 1000 && sides.some(o => texts(o.me, o.mark).length < N); t++) await Bun.sleep(10)
    for (const { me, mark, theirs } of sides) {
      expect(texts(me, mark)).toEqual(Array.from({ length: N }, (_, i) => `${theirs}${i}`))
      expect(me.closed).toBeNull()
    }
    for (const nd of c.nodes) expect(nd.proc.exitCode).toBeNull()
  }, 60_000)
})
