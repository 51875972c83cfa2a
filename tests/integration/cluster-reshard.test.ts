// Two real app processes on a private 3-master Redis Cluster while `redis-cli --cluster reshard`
// moves every slot of one master to another during chats. The client follows ASK, TRYAGAIN and
// MOVED; sharded PUB/SUB drops what the new master publishes before a node has subscribed there
// again, so a node checks the sessions of each partition that moved (partition-moves.ts) and sends
// those that missed a frame to resume, as a real client does after a restart. Every text and every
// receipt arrives once, in order, and no chat ends. Runs in the MariaDB suite.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Cluster } from 'ioredis'
import type { ServerFrame } from '../../api/chat/protocol'
import { startCluster, type TestCluster } from '../support/cluster'
import { freshIp, fromIp, uniqueInterest } from '../support/people'
import { startRedisCluster, type RedisClusterUnderTest } from '../support/redis-cluster'
import { TestClient } from '../support/ws-client'
import { sessionKeyOf } from '../../api/cluster/redis-backend'

const enabled = process.env.TEST_BACKEND === 'mysql'

/**
 * A stranger whose client behaves like the app's: when its socket closes it resumes (on the other
 * node, to make it harder), drops sequenced frames it already has, and resends a text that has
 * not got its receipt.
 */
class Stranger {
  readonly conns: TestClient[] = []
  resumes = 0
  private stopped = false
  private reconnecting: Promise<void> | null = null
  constructor(
    first: TestClient,
    private readonly urls: string[],
    private readonly headers: Record<string, string>,
  ) {
    this.add(first)
  }
  get session() {
    return this.conns[0]!.session
  }
  private add(x: TestClient) {
    this.conns.push(x)
    x.ws.addEventListener('close', () => {
      if (!this.stopped) this.reconnecting ??= this.resume().finally(() => (this.reconnecting = null))
    })
  }
  private async resume() {
    for (let tries = 0; ; tries++) {
      try {
        const x = await TestClient.connect(`${this.urls[++this.resumes % this.urls.length]}?resume=${encodeURIComponent(this.session)}`, this.headers)
        expect(x.all('hello')[0]).toMatchObject({ session: this.session, resumed: true })
        return this.add(x)
      } catch (err) {
        if (tries > 20) throw err
        await Bun.sleep(100)
      }
    }
  }
  send(frame: unknown) {
    const x = this.conns.at(-1)!
    if (!x.closed) x.send(frame)
  }
  /** Every frame of `type` over all its connections, a sequenced one once. */
  all<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[] {
    const seen = new Set<number>()
    return this.conns.flatMap(x =>
      x.all(type).filter(f => {
        if (!('seq' in f) || typeof f.seq !== 'number') return true
        if (seen.has(f.seq)) return false
        seen.add(f.seq)
        return true
      }),
    )
  }
  close() {
    this.stopped = true
    for (const x of this.conns) if (!x.closed) x.ws.close()
  }
}

describe.if(enabled)('two nodes on a Redis Cluster while a master’s slots are resharded', () => {
  let rc: RedisClusterUnderTest
  let c: TestCluster
  let probe: Cluster
  const opened: Stranger[] = []
  beforeAll(async () => {
    rc = await startRedisCluster()
    c = await startCluster({ nodes: 2, redisClusterNodes: rc.nodes, env: { LOG_LEVEL: 'error', NODE_TTL_MS: '10000', RESUME_WINDOW_MS: '30000', MATCH_FALLBACK_MS: '60000' } })
    probe = new Cluster(rc.ports.map(port => ({ host: '127.0.0.1', port })))
  }, 60_000)
  afterAll(async () => {
    for (const x of opened) x.close()
    probe?.disconnect()
    await c?.stop()
    await rc?.stop()
  }, 30_000)

  /** The port of the master that serves `key`, as the cluster says now. */
  async function ownerOf(key: string): Promise<number> {
    const slot = Number(await probe.call('cluster', 'keyslot', key))
    const ranges = (await probe.call('cluster', 'slots')) as Array<[number, number, [string, number]]>
    const range = ranges.find(([a, b]) => slot >= a && slot <= b)
    return range ? Number(range[2][1]) : 0
  }
  async function pair() {
    const urls = c.nodes.map(n => n.wsUrl)
    const [ha, hb] = [fromIp(freshIp()), fromIp(freshIp())]
    const a = await TestClient.connect(urls[0]!, ha)
    const b = await TestClient.connect(urls[1]!, hb)
    const interest = uniqueInterest()
    a.send({ type: 'find', interests: [interest], random: false })
    await a.next('queued')
    b.send({ type: 'find', interests: [interest], random: false })
    await Promise.all([a.next('matched'), b.next('matched')])
    const p = { a: new Stranger(a, urls, ha), b: new Stranger(b, [...urls].reverse(), hb) }
    opened.push(p.a, p.b)
    return p
  }
  async function until(what: string, ok: () => boolean, timeoutMs: number, meanwhile?: () => void) {
    const end = Date.now() + timeoutMs
    for (let i = 1; !ok(); i++) {
      if (Date.now() > end) throw new Error(`timed out: ${what}`)
      await Bun.sleep(20)
      if (i % 100 === 0) meanwhile?.()
    }
  }
  /** Texts from a to b, one at a time (each waits for its text and its receipt), until `stop()`. */
  async function chatter(a: Stranger, b: Stranger, tag: string, stop: () => boolean): Promise<string[]> {
    const sent: string[] = []
    for (let i = 0; !stop() || i < 3; i++) {
      const id = `${tag}-${i}`
      sent.push(id)
      const text = { type: 'text', id, body: id }
      a.send(text)
      await until(
        `${id} and its receipt`,
        () => b.all('text').some(t => t.body === id) && a.all('delivered').some(d => d.id === id),
        20_000,
        // No receipt for 2 s: resend it, as the app does (the server relays it once).
        () => a.send(text),
      )
    }
    return sent
  }

  test('every slot of one master moves to another during chats: nothing lost, doubled or reordered, no chat ends', async () => {
    const P = c.redisPrefix
    const pairs = await Promise.all(Array.from({ length: 8 }, () => pair()))
    const from = rc.ports[0]!
    const onMoving = async (id: string) => (await ownerOf(sessionKeyOf(P, id, true))) === from
    const moving: typeof pairs = []
    for (const p of pairs) if ((await onMoving(p.a.session)) || (await onMoving(p.b.session))) moving.push(p)

    let done = false
    const talks = pairs.map(({ a, b }, i) => chatter(a, b, `t${i}`, () => done))
    await rc.reshard(0, 1)
    for (const p of moving) expect((await onMoving(p.a.session)) || (await onMoving(p.b.session))).toBe(false)
    // A little more traffic on the new layout, then the loops finish their current text.
    await Bun.sleep(1500)
    done = true
    const sent = await Promise.all(talks)
    for (const n of c.nodes) expect(n.proc.exitCode).toBeNull()

    for (const [i, { a, b }] of pairs.entries()) {
      // Once each, in order: what the recipient's app shows, and the receipts its sender got.
      expect(b.all('text').map(t => t.body)).toEqual(sent[i]!)
      expect(a.all('delivered').map(d => d.id)).toEqual(sent[i]!)
      expect(a.all('ended')).toEqual([])
      expect(b.all('ended')).toEqual([])
      // And the other way, after the move.
      b.send({ type: 'text', id: `back${i}`, body: `back ${i}` })
      await until(`back${i}`, () => a.all('text').some(t => t.body === `back ${i}`) && b.all('delivered').some(d => d.id === `back${i}`), 10_000)
    }
    // Strangers pair and chat on the moved slots too.
    const again = await Promise.all(Array.from({ length: 4 }, () => pair()))
    for (const [i, { a, b }] of again.entries()) {
      a.send({ type: 'text', id: `r${i}`, body: `after ${i}` })
      await until(`r${i}`, () => b.all('text').some(t => t.body === `after ${i}`), 10_000)
    }
    // With 8 pairs over 3 masters some chat has a session on the moved master (probability above 0.99).
    expect(moving.length).toBeGreaterThan(0)
    console.log(`reshard: ${moving.length} of ${pairs.length} chats had a session on the moved master; ${pairs.reduce((n, p) => n + p.a.resumes + p.b.resumes, 0)} resumes`)
  }, 120_000)
})
