// Three real app processes sharing Redis, MariaDB and one DATA_DIR chat as one service: pairing,
// relay, typing, next, random fallback, uploads and resume across nodes, and a node killed with
// SIGKILL mid-chat whose client resumes elsewhere with nothing lost. Runs in the MariaDB suite,
// on one Redis and again on a 3-master Redis Cluster (TEST_REDIS_CLUSTER_NODES, from tests/run.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestApp } from '../support/app'
import { startCluster, type ClusterNode, type ClusterOptions, type TestCluster } from '../support/cluster'
import { png } from '../support/media-files'
import { mutation, send } from '../support/media'
import mysql from 'mysql2/promise'
import { uniqueInterest } from '../support/people'
import { TEST_REDIS_CLUSTER_NODES } from '../support/redis'
import { TestClient } from '../support/ws-client'

const enabled = process.env.TEST_BACKEND === 'mysql'
let c: TestCluster
const opened: TestClient[] = []

const node = (i: number) => c.nodes[i]!
async function client(n: ClusterNode, resume?: string) {
  const x = await TestClient.connect(n.wsUrl + (resume ? `?resume=${encodeURIComponent(resume)}` : ''))
  opened.push(x)
  return x
}

/** x on one node and y on another meet on a private interest. */
async function meetAcross(x: TestClient, y: TestClient) {
  const interest = uniqueInterest()
  x.send({ type: 'find', interests: [interest], random: false })
  await x.next('queued')
  y.send({ type: 'find', interests: [interest, 'other'], random: false })
  const [mx, my] = await Promise.all([x.next('matched'), y.next('matched')])
  expect(mx.chat).toBe(my.chat)
  expect(mx.common).toEqual([interest])
  return mx.chat
}

function threeNodes(label: string, on: ClusterOptions, run: boolean) {
  describe.if(run)(label, () => {
    beforeAll(async () => {
      c = await startCluster({ ...on, nodes: 3, env: { MATCH_FALLBACK_MS: '300', RESUME_WINDOW_MS: '8000', LOG_LEVEL: 'warn' } })
    }, 60_000)
    afterAll(async () => {
      for (const x of opened.splice(0)) if (!x.closed) x.ws.close()
      await c?.stop()
    }, 30_000)

    test('strangers on different nodes pair, text both ways with delivered, see typing, and next', async () => {
      const x = await client(node(0))
      const y = await client(node(1))
      await meetAcross(x, y)
      x.send({ type: 'text', id: 'a1', body: 'hello from node 0' })
      expect((await y.next('text')).body).toBe('hello from node 0')
      expect((await x.next('delivered')).id).toBe('a1')
      y.send({ type: 'text', id: 'b1', body: 'hi from node 1' })
      expect((await x.next('text')).body).toBe('hi from node 1')
      expect((await y.next('delivered')).id).toBe('b1')
      y.send({ type: 'typing', active: true })
      expect((await x.next('typing')).active).toBe(true)
      // Many in a row keep their order and their seq.
      for (let i = 0; i < 50; i++) x.send({ type: 'text', id: `n${i}`, body: `#${i}` })
      const got: string[] = []
      for (let i = 0; i < 50; i++) got.push((await y.next('text')).body)
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `#${i}`))
      const seqs = y.all('text').map(t => t.seq)
      expect(seqs).toEqual([...seqs].sort((p, q) => p - q))
      x.send({ type: 'next' })
      expect(await x.next('ended')).toMatchObject({ by: 'you', reason: 'next' })
      expect(await y.next('ended')).toMatchObject({ by: 'stranger', reason: 'next' })
      await x.next('queued')
      x.close()
      y.close()
    }, 30_000)

    for (const [where, on] of [
      ['across nodes', 1],
      ['on one node of the cluster', 0],
    ] as const)
      test(`both strangers texting at once ${where}: every sequenced frame comes once and in seq order, and no socket is re-synced`, async () => {
        const x = await client(node(0))
        const y = await client(node(on))
        await meetAcross(x, y)
        const marks = [x.mark(), y.mark()] as const
        // Each side's node gets its own receipts in its relay scripts' answers and the partner's texts
        // through PUB/SUB, on another connection: the two interleave here, and must not look like a
        // gap. On one node of one Redis the texts come in the answers too; not on a Redis Cluster.
        const N = 150
        for (let i = 0; i < N; i++) {
          x.send({ type: 'text', id: `x${i}`, body: `x${i}` })
          y.send({ type: 'text', id: `y${i}`, body: `y${i}` })
        }
        const sides = [
          { me: x, mark: marks[0], mine: 'x', theirs: 'y' },
          { me: y, mark: marks[1], mine: 'y', theirs: 'x' },
        ]
        const count = (me: TestClient, mark: number, type: string) => me.since(mark).filter(f => f.type === type).length
        for (let t = 0; t < 1000 && sides.some(o => count(o.me, o.mark, 'delivered') < N || count(o.me, o.mark, 'text') < N); t++) await Bun.sleep(10)
        for (const { me, mark, mine, theirs } of sides) {
          const got = me.since(mark)
          expect(got.flatMap(f => (f.type === 'delivered' ? [f.id] : []))).toEqual(Array.from({ length: N }, (_, i) => `${mine}${i}`))
          expect(got.flatMap(f => (f.type === 'text' ? [f.body] : []))).toEqual(Array.from({ length: N }, (_, i) => `${theirs}${i}`))
          const seqs = got.flatMap(f => ('seq' in f && typeof f.seq === 'number' ? [f.seq] : []))
          // Contiguous: no frame lost, none twice, none out of order.
          expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i))
          expect(me.closed).toBeNull()
        }
        x.close()
        y.close()
      }, 30_000)

    test('strangers with nothing in common on different nodes meet by the random fallback', async () => {
      const x = await client(node(1))
      const y = await client(node(2))
      x.send({ type: 'find', interests: [uniqueInterest()] })
      y.send({ type: 'find', interests: [uniqueInterest()] })
      const [mx, my] = await Promise.all([x.next('matched', 5000), y.next('matched', 5000)])
      expect(mx.chat).toBe(my.chat)
      expect(mx.common).toEqual([])
      x.close()
      y.close()
    }, 30_000)

    test('20 people finding at once across 3 nodes make exactly 10 symmetric pairs', async () => {
      const interest = uniqueInterest()
      const people = await Promise.all(Array.from({ length: 20 }, (_, i) => client(node(i % 3))))
      for (const p of people) p.send({ type: 'find', interests: [interest], random: false })
      const matched = await Promise.all(people.map(p => p.next('matched', 8000)))
      const byChat = new Map<string, number>()
      for (const m of matched) byChat.set(m.chat, (byChat.get(m.chat) ?? 0) + 1)
      expect(byChat.size).toBe(10)
      expect([...byChat.values()].every(n => n === 2)).toBe(true)
      // Nobody got a second match.
      for (const p of people) expect(await p.nothing('matched', 50)).toBe(true)
      for (const p of people) p.close()
    }, 30_000)

    test('an upload on one node reaches the partner on another, and its link opens on a third', async () => {
      const x = await client(node(0))
      const y = await client(node(1))
      await meetAcross(x, y)
      const bytes = png(4, 4)
      // The upload's HTTP requests go to node 2, which holds neither socket.
      const up = await send({ url: node(2).url } as TestApp, x.session, 'image', 'image/png', bytes, 'dot.png')
      expect(up.status).toBe(201)
      const seen = await y.next('media')
      expect(seen.from).toBe('stranger')
      expect((await x.next('media')).from).toBe('you')
      const res = await fetch(new URL(seen.media.url, node(2).url))
      expect(res.status).toBe(200)
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
      x.close()
      y.close()
    }, 30_000)

    test('a report taken by a third node ends the chat and can include both sides of the conversation', async () => {
      const x = await client(node(0))
      const y = await client(node(1))
      const chat = await meetAcross(x, y)
      x.send({ type: 'text', id: 'r1', body: 'hello, I am x' })
      await y.next('text')
      y.send({ type: 'text', id: 'r2', body: 'something abusive' })
      await x.next('text')
      await y.next('delivered')
      const r = await mutation<{ ok: true }>({ url: node(2).url } as TestApp, 'reports.create', { reason: 'abuse', includeTranscript: true }, x.session)
      expect(r.ok).toBe(true)
      expect(await x.next('ended')).toMatchObject({ by: 'you', reason: 'reported' })
      expect(await y.next('ended')).toMatchObject({ by: 'stranger', reason: 'left' })
      const db = await mysql.createConnection({ uri: c.databaseUrl })
      try {
        const [rows] = (await db.query('SELECT transcript FROM reports WHERE chat_id = ?', [chat])) as unknown as [Array<{ transcript: string }>]
        const lines = JSON.parse(rows[0]!.transcript) as Array<{ from: string; body: string }>
        expect(lines.map(l => [l.from, l.body])).toEqual([
          ['reporter', 'hello, I am x'],
          ['reported', 'something abusive'],
        ])
      } finally {
        await db.end()
      }
      x.close()
      y.close()
    }, 30_000)

    test('a client that drops and resumes on another node gets the same chat and every missed frame', async () => {
      const x = await client(node(0))
      const y = await client(node(1))
      const chat = await meetAcross(x, y)
      x.send({ type: 'text', id: 'before', body: 'one' })
      await y.next('text')
      // Its receipt first: it may reach x after the partner's reconnecting, and is not what the check below is about.
      expect((await x.next('delivered')).id).toBe('before')
      y.send({ type: 'ack', seq: y.lastSeq() })
      y.drop()
      expect((await x.next('partner')).state).toBe('reconnecting')
      x.send({ type: 'text', id: 'm1', body: 'missed 1' })
      x.send({ type: 'text', id: 'm2', body: 'missed 2' })
      // Kept for y, but `delivered` waits until y's connection has them.
      expect(await x.nothing('delivered', 150)).toBe(true)
      const y2 = await client(node(2), y.session)
      expect(y2.all('hello')[0]).toMatchObject({ session: y.session, resumed: true })
      expect((await x.next('delivered')).id).toBe('m1')
      expect((await x.next('delivered')).id).toBe('m2')
      expect((await y2.next('text')).body).toBe('missed 1')
      expect((await y2.next('text')).body).toBe('missed 2')
      expect((await x.next('partner')).state).toBe('back')
      y2.send({ type: 'text', id: 'after', body: 'back on node 2' })
      expect((await x.next('text')).body).toBe('back on node 2')
      // Two sockets of one session on two nodes: the newer wins, the older is closed with 4001.
      const y3 = await client(node(0), y.session)
      expect(y3.all('hello')[0]).toMatchObject({ session: y.session, resumed: true })
      expect((await y2.waitClose()).code).toBe(4001)
      // y2 acknowledged nothing, so y3 gets the same unacknowledged frames replayed, then the live one.
      x.send({ type: 'text', id: 'to-y3', body: 'where are you' })
      const live: string[] = []
      while (!live.includes('where are you')) live.push((await y3.next('text')).body)
      expect(live).toEqual(['missed 1', 'missed 2', 'where are you'])
      expect(chat).toBeTruthy()
      x.close()
      y3.close()
    }, 30_000)

    test('a node killed mid-chat: its client resumes on another node and loses nothing; the partner sees reconnecting then back', async () => {
      const victim = await c.startNode({ MATCH_FALLBACK_MS: '300', RESUME_WINDOW_MS: '8000', LOG_LEVEL: 'warn' })
      const x = await client(node(0))
      const y = await client(victim)
      await meetAcross(x, y)
      x.send({ type: 'text', id: 'k1', body: 'before the crash' })
      expect((await y.next('text')).body).toBe('before the crash')
      await c.kill(victim)
      // The dead node is found by its heartbeat TTL; its sessions are held for resume.
      expect((await x.next('partner', 5000)).state).toBe('reconnecting')
      x.send({ type: 'text', id: 'k2', body: 'sent while your node was dead' })
      expect(await x.nothing('delivered', 150)).toBe(true)
      const y2 = await client(node(1), y.session)
      expect(y2.all('hello')[0]).toMatchObject({ session: y.session, resumed: true })
      // y's resume on a live node is when its connection gets k2: x hears of it then.
      expect((await x.next('delivered')).id).toBe('k2')
      const bodies: string[] = []
      while (!bodies.includes('sent while your node was dead')) bodies.push((await y2.next('text')).body)
      expect(bodies).toEqual(['before the crash', 'sent while your node was dead'])
      expect((await x.next('partner')).state).toBe('back')
      y2.send({ type: 'text', id: 'k3', body: 'survived' })
      expect((await x.next('text')).body).toBe('survived')
      x.close()
      y2.close()
    }, 40_000)

    test("the sender's node killed while its texts are in flight: after the resume elsewhere each text reached the partner once and each receipt came once", async () => {
      const victim = await c.startNode({ MATCH_FALLBACK_MS: '300', RESUME_WINDOW_MS: '8000', LOG_LEVEL: 'warn' })
      const x = await client(victim)
      const y = await client(node(0))
      await meetAcross(x, y)
      const N = 300
      const ids = Array.from({ length: N }, (_, i) => `f${i}`)
      const yMark = y.mark()
      // Killed mid-burst: some texts' scripts ran and their answers (the receipts) were never read,
      // some never reached a script; the receipts of the first kind are in x's outbox.
      for (const id of ids) x.send({ type: 'text', id, body: id })
      while (y.since(yMark).filter(f => f.type === 'text').length < 10) await Bun.sleep(1)
      await c.kill(victim)
      const x2 = await client(node(1), x.session)
      expect(x2.all('hello')[0]).toMatchObject({ session: x.session, resumed: true })
      const receipts = () => new Map(x2.all('delivered').map(f => [f.id, f.seq]))
      // What a client does after a resume: sends again every text it has no receipt for.
      await Bun.sleep(200)
      for (const id of ids) if (!receipts().has(id)) x2.send({ type: 'text', id, body: id })
      for (let t = 0; t < 500 && receipts().size < N; t++) await Bun.sleep(10)
      expect([...receipts().keys()].sort()).toEqual([...ids].sort())
      // A receipt may come twice (the replay, then the answer to a resend of an accepted text), but
      // always with its one seq, which the client drops the second time.
      for (const id of ids)
        expect(
          new Set(
            x2
              .all('delivered')
              .filter(f => f.id === id)
              .map(f => f.seq),
          ).size,
        ).toBe(1)
      for (let t = 0; t < 500 && y.since(yMark).filter(f => f.type === 'text').length < N; t++) await Bun.sleep(10)
      const texts = y.since(yMark).flatMap(f => (f.type === 'text' ? [f.body] : []))
      expect([...texts].sort()).toEqual([...ids].sort())
      x2.close()
      y.close()
    }, 40_000)
  })
}

threeNodes('three nodes act as one', {}, enabled)
threeNodes('three nodes act as one, on a Redis Cluster', { redisClusterNodes: TEST_REDIS_CLUSTER_NODES }, enabled && Boolean(TEST_REDIS_CLUSTER_NODES))
