// Two real app processes whose private Redis stalls (SIGSTOP) for 2, 12 and 20 s, with a node
// heartbeat TTL of 3 s: past the TTL each node takes the other for dead and cleans up after it.
// Afterwards a user who was waiting before the stall and a newcomer after it meet, a chat that
// was open goes on both ways, and no node exits. The three stalls run one after the other on one
// cluster (about 45 s in all). Then a node itself stalls past the TTL: its peer cleans up after
// it, and once it runs again it takes back its waiter and its chat. Runs in the MariaDB suite.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Redis from 'ioredis'
import { startCluster, type ClusterNode, type TestCluster } from '../support/cluster'
import { uniqueInterest } from '../support/people'
import { startRedis, type PrivateRedis } from '../support/redis'
import { TestClient } from '../support/ws-client'

const enabled = process.env.TEST_BACKEND === 'mysql'

describe.if(enabled)('two nodes after Redis stalls past the heartbeat TTL', () => {
  let redis: PrivateRedis
  let c: TestCluster
  const opened: TestClient[] = []
  beforeAll(async () => {
    redis = await startRedis()
    c = await startCluster({
      nodes: 2,
      redisUrl: redis.url,
      env: { NODE_HEARTBEAT_MS: '500', NODE_TTL_MS: '3000', LOG_LEVEL: 'error', MATCH_FALLBACK_MS: '60000', RESUME_WINDOW_MS: '60000' },
    })
  }, 60_000)
  afterAll(async () => {
    redis?.thaw()
    for (const x of opened) if (!x.closed) x.ws.close()
    await c?.stop()
    await redis?.stop()
  }, 30_000)

  const node = (i: number) => c.nodes[i]!
  async function client(n: ClusterNode) {
    const x = await TestClient.connect(n.wsUrl)
    opened.push(x)
    return x
  }
  /** A find that is retried while the cluster answers `unavailable` (as a client does). */
  async function find(x: TestClient, interests: string[], withinMs: number) {
    const end = Date.now() + withinMs
    for (;;) {
      const mark = x.mark()
      x.send({ type: 'find', interests, random: false })
      await x.after(mark, 'queued', 5000).catch(() => null)
      const err = x.since(mark).find(f => f.type === 'error')
      if (!err) return
      if (Date.now() > end) throw new Error(`find still refused: ${JSON.stringify(err)}`)
      await Bun.sleep(500)
    }
  }

  /**
   * Until Redis holds `x` in the match queue. `queued` is sent as the node asks Redis to enqueue:
   * a fault before Redis answered times the call out and the waiter is told to try again, while
   * these tests are about a waiter already in the queue.
   */
  async function inQueue(x: TestClient) {
    const r = new Redis(redis.url)
    try {
      for (let t = 0; !(await r.exists(`${c.redisPrefix}{mq}:w:${x.session}`)); t++) {
        expect(t).toBeLessThan(100)
        await Bun.sleep(20)
      }
    } finally {
      r.disconnect()
    }
  }

  for (const stallMs of [2000, 12_000, 20_000]) {
    test(
      `stalled ${stallMs / 1000} s: the waiter from before meets a newcomer, the open chat goes on, no node exits`,
      async () => {
        const a = await client(node(0))
        const b = await client(node(1))
        const talk = uniqueInterest()
        await find(a, [talk], 0)
        b.send({ type: 'find', interests: [talk], random: false })
        await Promise.all([a.next('matched'), b.next('matched')])
        const waiter = await client(node(0))
        const waitFor = uniqueInterest()
        await find(waiter, [waitFor], 0)
        await inQueue(waiter)

        redis.freeze()
        await Bun.sleep(stallMs)
        redis.thaw()

        const newcomer = await client(node(1))
        await find(newcomer, [waitFor], 10_000)
        const [mw, mn] = await Promise.all([waiter.next('matched', 15_000), newcomer.next('matched', 15_000)])
        expect(mw.chat).toBe(mn.chat)
        // The chat open before the stall still relays both ways (its texts may be refused while the cluster settles).
        for (const [from, to, body] of [
          [a, b, 'a to b'],
          [b, a, 'b to a'],
        ] as const) {
          const end = Date.now() + 10_000
          let got = false
          for (let i = 0; !got && Date.now() < end; i++) {
            from.send({ type: 'text', id: `${body}-${stallMs}-${i}`, body })
            got = await to.next('text', 1000).then(
              t => t.body === body,
              () => false,
            )
          }
          expect(got).toBe(true)
        }
        expect(a.all('ended')).toEqual([])
        expect(b.all('ended')).toEqual([])
        for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()
        for (const x of [a, b, waiter, newcomer]) x.ws.close()
      },
      stallMs + 45_000,
    )
  }
  test('a node stalled past its TTL is taken for dead by its peer; back, it takes its waiter and its chat back', async () => {
    const a = await client(node(0))
    const b = await client(node(1))
    const talk = uniqueInterest()
    await find(a, [talk], 0)
    b.send({ type: 'find', interests: [talk], random: false })
    await Promise.all([a.next('matched'), b.next('matched')])
    const waiter = await client(node(0))
    const waitFor = uniqueInterest()
    await find(waiter, [waitFor], 0)
    await inQueue(waiter)

    node(0).proc.kill('SIGSTOP')
    // Past the TTL the peer cleans up: the partner is told `reconnecting`, the waiter leaves the queue.
    expect((await b.next('partner', 10_000)).state).toBe('reconnecting')
    await Bun.sleep(1000)
    node(0).proc.kill('SIGCONT')

    expect((await b.next('partner', 10_000)).state).toBe('back')
    const newcomer = await client(node(1))
    await find(newcomer, [waitFor], 10_000)
    const [mw, mn] = await Promise.all([waiter.next('matched', 10_000), newcomer.next('matched', 10_000)])
    expect(mw.chat).toBe(mn.chat)
    a.send({ type: 'text', id: 'back', body: 'still here' })
    expect((await b.next('text', 5000)).body).toBe('still here')
    expect(a.all('ended')).toEqual([])
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()
    for (const x of [a, b, waiter, newcomer]) x.ws.close()
  }, 40_000)
})
