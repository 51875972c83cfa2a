// Chats on two real app processes over a private 3-master Redis Cluster, for the tests that do
// something to one master (kill it, freeze it, reshard its slots away): the cluster and the nodes
// (started before the file's tests, stopped after), strangers paired across the two nodes, and
// which master serves a key. Private because those faults would disturb every other test.
import { afterAll, beforeAll, expect } from 'bun:test'
import { Cluster } from 'ioredis'
import type { ServerFrame } from '../../api/chat/protocol'
import { sessionKeyOf } from '../../api/cluster/redis-backend'
import { startCluster, type TestCluster } from './cluster'
import { freshIp, fromIp, meet } from './people'
import { startRedisCluster, type RedisClusterUnderTest } from './redis-cluster'
import { TestClient } from './ws-client'

/** Waits until `ok()`, calling `meanwhile` every 2 s of waiting. */
export async function until(what: string, ok: () => boolean, timeoutMs: number, meanwhile?: () => void) {
  const end = Date.now() + timeoutMs
  for (let i = 1; !ok(); i++) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await Bun.sleep(20)
    if (i % 100 === 0) meanwhile?.()
  }
}

/** Texts from a to b, one at a time (each waits for its text and its receipt), until `stop()` (at least 3). */
export async function chatter(a: Stranger, b: Stranger, tag: string, stop: () => boolean): Promise<string[]> {
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

/**
 * A stranger whose client behaves like the app's: when its socket closes it resumes (on the other
 * node, to make it harder), drops sequenced frames it already has, and resends a text that has
 * not got its receipt.
 */
export class Stranger {
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

export interface ClusterPair {
  a: TestClient
  b: TestClient
  /** The headers each one connected with (its address), for a resume from the same place. */
  headers: [Record<string, string>, Record<string, string>]
}

export interface RedisClusterChats {
  readonly rc: RedisClusterUnderTest
  readonly c: TestCluster
  /** The port of the master that serves `key`, as the cluster says now (not a cached map). */
  ownerOf(key: string): Promise<number>
  /** Whether session `id`'s keys are on master `i`. */
  onMaster(i: number, id: string): Promise<boolean>
  /** A master that holds neither the node registry nor the match queue: a fault there is about sessions only. */
  sessionsOnlyMaster(): Promise<number>
  /** a on the first node, b on the second, in a chat. */
  pair(): Promise<ClusterPair>
  /** The same, as strangers whose clients resume like the app's (tracked). */
  strangers(): Promise<{ a: Stranger; b: Stranger }>
  /** Closed after the file's tests (clients are, whatever the test did). */
  track(x: { close(): void }): void
}

export function useRedisClusterChats(): RedisClusterChats {
  let rc: RedisClusterUnderTest
  let c: TestCluster
  let probe: Cluster
  const opened: Array<{ close(): void }> = []
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

  async function ownerOf(key: string): Promise<number> {
    const slot = Number(await probe.call('cluster', 'keyslot', key))
    const ranges = (await probe.call('cluster', 'slots')) as Array<[number, number, [string, number]]>
    const range = ranges.find(([a, b]) => slot >= a && slot <= b)
    return range ? Number(range[2][1]) : 0
  }
  async function pair(): Promise<ClusterPair> {
    const headers: ClusterPair['headers'] = [fromIp(freshIp()), fromIp(freshIp())]
    const a = await TestClient.connect(c.nodes[0]!.wsUrl, headers[0])
    const b = await TestClient.connect(c.nodes[1]!.wsUrl, headers[1])
    opened.push(a, b)
    await meet(a, b)
    return { a, b, headers }
  }
  return {
    get rc() {
      return rc
    },
    get c() {
      return c
    },
    ownerOf,
    async onMaster(i, id) {
      return (await ownerOf(sessionKeyOf(c.redisPrefix, id, true))) === rc.ports[i]
    },
    async sessionsOnlyMaster() {
      const P = c.redisPrefix
      const critical = new Set([await ownerOf(`${P}{nodes}`), await ownerOf(`${P}{mq}:all`)])
      const i = rc.ports.findIndex(p => !critical.has(p))
      if (i < 0) throw new Error('{nodes} and {mq} are on different masters and there are only two')
      return i
    },
    pair,
    async strangers() {
      const urls = c.nodes.map(n => n.wsUrl)
      const { a, b, headers } = await pair()
      const p = { a: new Stranger(a, urls, headers[0]), b: new Stranger(b, [...urls].reverse(), headers[1]) }
      opened.push(p.a, p.b)
      return p
    },
    track(x) {
      opened.push(x)
    },
  }
}
