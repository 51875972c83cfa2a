// Seen receipts, replies and texts that never arrived, over real sockets: one server
// (both integration passes: SQLite + in-process cache, MariaDB + memcached) and, in the MariaDB
// pass, two app processes sharing Redis (one Redis, and a 3-master Redis Cluster when
// TEST_REDIS_CLUSTER_NODES is set) with the two strangers on different nodes. Seqs are per
// recipient, so every case checks that the sender hears of its own texts by its own client ids.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { LIFTED_LIMITS, startTestApp, type TestApp } from '../support/app'
import { startCluster, type ClusterNode, type ClusterOptions, type TestCluster } from '../support/cluster'
import { uniqueInterest } from '../support/people'
import { TEST_REDIS_CLUSTER_NODES } from '../support/redis'
import { TestClient } from '../support/ws-client'

const RESUME_WINDOW_MS = '1500'
const opened: TestClient[] = []

/** The three behaviours, run against any way of connecting two strangers (`second` on another node where there are several). */
function cases(connect: (which: 'first' | 'second', resume?: string) => Promise<TestClient>) {
  async function chatting() {
    const x = await connect('first')
    const y = await connect('second')
    const interest = uniqueInterest()
    x.send({ type: 'find', interests: [interest], random: false })
    await x.next('queued')
    y.send({ type: 'find', interests: [interest], random: false })
    await Promise.all([x.next('matched'), y.next('matched')])
    return { x, y }
  }
  const seqOf = (c: TestClient, body: string) => c.all('text').find(f => f.body === body)!.seq

  test('seen: the sender hears which of its texts were seen, by its own ids, sequenced and replayed on its resume', async () => {
    const { x, y } = await chatting()
    for (const id of ['s1', 's2', 's3']) x.send({ type: 'text', id, body: `seen ${id}` })
    for (let i = 0; i < 3; i++) await y.next('text')
    y.send({ type: 'seen', seq: seqOf(y, 'seen s2') })
    const first = await x.next('seen')
    expect(first).toEqual({ type: 'seen', id: 's2', seq: first.seq })
    // x drops; y sees the last one meanwhile; x's resume replays it.
    x.send({ type: 'ack', seq: x.lastSeq() })
    await Bun.sleep(50)
    x.drop()
    await y.next('partner')
    y.send({ type: 'seen', seq: seqOf(y, 'seen s3') })
    const x2 = await connect('second', x.session)
    expect(x2.all('hello')[0]).toMatchObject({ resumed: true })
    expect((await x2.next('seen')).id).toBe('s3')
    x2.close()
    y.close()
  }, 20_000)

  test('replyTo: a reply quoting the stranger’s text reaches them naming their own text; an unknown seq is dropped, a bad one refused', async () => {
    const { x, y } = await chatting()
    x.send({ type: 'text', id: 'q1', body: 'quote this' })
    await y.next('text')
    y.send({ type: 'text', id: 'r1', body: 'quoted you', replyTo: seqOf(y, 'quote this') })
    expect(await x.next('text')).toMatchObject({ body: 'quoted you', replyTo: { id: 'q1' } })
    y.send({ type: 'text', id: 'r2', body: 'no such text', replyTo: 99_999 })
    const plain = await x.next('text')
    expect(plain.body).toBe('no such text')
    expect(plain).not.toHaveProperty('replyTo')
    y.send({ type: 'text', id: 'r3', body: 'bad', replyTo: 'q1' })
    expect(await y.next('error')).toMatchObject({ code: 'bad_frame', id: 'r3' })
    x.close()
    y.close()
  }, 20_000)

  test('a stranger who never comes back: no delivered for texts sent while away, and ended lists every text it never confirmed', async () => {
    const { x, y } = await chatting()
    x.send({ type: 'text', id: 'got', body: 'this one arrives' })
    await y.next('text')
    y.send({ type: 'ack', seq: y.lastSeq() })
    x.send({ type: 'text', id: 'unconfirmed', body: 'reaches the socket, never acknowledged' })
    await y.next('text')
    expect((await x.next('delivered')).id).toBe('got')
    expect((await x.next('delivered')).id).toBe('unconfirmed')
    await Bun.sleep(50)
    y.drop()
    expect((await x.next('partner', 5000)).state).toBe('reconnecting')
    x.send({ type: 'text', id: 'away', body: 'sent while you were away' })
    const ended = await x.next('ended', 15_000)
    expect(ended).toMatchObject({ by: 'server', reason: 'timeout', undelivered: ['unconfirmed', 'away'] })
    expect(x.all('delivered').map(d => d.id)).toEqual(['got', 'unconfirmed'])
    x.close()
  }, 30_000)
}

describe('one server', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ ...LIFTED_LIMITS, RESUME_WINDOW_MS, MATCH_FALLBACK_MS: '60000' })
  })
  afterAll(async () => {
    for (const c of opened) if (!c.closed) c.ws.close()
    await app.close()
  })
  cases(async (_which, resume) => {
    const c = await app.client(resume ? { resume } : undefined)
    opened.push(c)
    return c
  })
})

const clustered = process.env.TEST_BACKEND === 'mysql'

/** Two nodes over one Redis, and again over a 3-master Redis Cluster (tests/run.ts starts one). */
function twoNodes(label: string, on: ClusterOptions, run: boolean) {
  describe.if(run)(label, () => {
    let c: TestCluster
    beforeAll(async () => {
      c = await startCluster({ ...on, nodes: 2, env: { MATCH_FALLBACK_MS: '60000', RESUME_WINDOW_MS, LOG_LEVEL: 'warn' } })
    }, 60_000)
    afterAll(async () => {
      for (const x of opened) if (!x.closed) x.ws.close()
      await c?.stop()
    }, 30_000)
    const node = (which: 'first' | 'second'): ClusterNode => c.nodes[which === 'first' ? 0 : 1]!
    cases(async (which, resume) => {
      const x = await TestClient.connect(node(which).wsUrl + (resume ? `?resume=${encodeURIComponent(resume)}` : ''))
      opened.push(x)
      return x
    })
  })
}
twoNodes('two nodes over Redis, the strangers on different nodes', {}, clustered)
twoNodes('two nodes over a Redis Cluster, the strangers on different nodes', { redisClusterNodes: TEST_REDIS_CLUSTER_NODES }, clustered && Boolean(TEST_REDIS_CLUSTER_NODES))
