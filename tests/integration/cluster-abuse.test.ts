// The per-address abuse rules hold across the nodes of a cluster (Redis): popular interests
// count one address once whichever node it used, a block keeps two addresses apart on every
// node, the session rate is counted cluster-wide, and a proof-of-work token issued by one node
// verifies on another. The popular tests need only Redis; the cluster tests run in the MariaDB
// suite (TEST_BACKEND=mysql), like cluster-chat.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { createRedisPopular } from '../../api/cluster/redis-popular'
import { BUCKET_MS } from '../../api/chat/popular'
import { solveChallenge } from '../../api/safety/proof-of-work'
import { runModCli } from '../../api/safety/mod-cli'
import { startCluster, type ClusterNode, type TestCluster } from '../support/cluster'
import { freshIp, fromIp, uniqueInterest } from '../support/people'
import { deletePrefix, TEST_REDIS_URL, testPrefix } from '../support/redis'
import { TestClient } from '../support/ws-client'

describe('popular interests in Redis', () => {
  const prefix = testPrefix('pop')
  const conns: RedisConnections[] = []
  afterAll(async () => {
    for (const c of conns) await c.close()
    await deletePrefix(TEST_REDIS_URL, prefix)
  })
  async function nodes(n: number, now: () => number) {
    const out = []
    for (let i = 0; i < n; i++) {
      const r = await openRedis({ url: TEST_REDIS_URL, prefix })
      conns.push(r)
      out.push(createRedisPopular(r, { prefix, perAddressHour: 3, now }))
    }
    return out
  }
  /** top() once the records (fire and forget) have landed: asked again, past its 5 s cache, until `ok` or 5 s. */
  async function topWhen(clock: { t: number }, read: () => Promise<Array<{ name: string; count: number }>>, ok: (top: Array<{ name: string; count: number }>) => boolean) {
    const deadline = Date.now() + 5000
    for (;;) {
      const got = await read()
      if (ok(got) || Date.now() > deadline) return got
      clock.t += 6000
      await Bun.sleep(10)
    }
  }

  test('one address counts once across nodes and hours; distinct addresses add up', async () => {
    const clock = { t: 1000 * BUCKET_MS }
    const [a, b] = await nodes(2, () => clock.t)
    a!.record('ip-1', ['secret-word', 'jazz'])
    b!.record('ip-1', ['secret-word'])
    clock.t += BUCKET_MS
    b!.record('ip-1', ['secret-word'])
    b!.record('ip-2', ['jazz'])
    a!.record('ip-3', ['jazz'])
    const top = await topWhen(
      clock,
      () => a!.top(10),
      x => x[0]?.count === 3 && x.length === 2,
    )
    expect(top).toEqual([
      { name: 'jazz', count: 3 },
      { name: 'secret-word', count: 1 },
    ])
    expect(await b!.top(10, 3)).toEqual([{ name: 'jazz', count: 3 }])
  })

  test('an address adds at most its hourly budget of names, whichever node it uses', async () => {
    const clock = { t: 2000 * BUCKET_MS }
    const [a, b] = await nodes(2, () => clock.t)
    const names = async () => (await a!.top(50)).map(x => x.name).sort()
    // One after the other, so which names fill the budget is known: the two nodes' scripts would race.
    a!.record('junk', ['j1', 'j2'])
    await topWhen(
      clock,
      () => a!.top(50),
      x => x.length === 2,
    )
    b!.record('junk', ['j3', 'j4', 'j5'])
    await topWhen(
      clock,
      () => a!.top(50),
      x => x.length >= 3,
    )
    expect(await names()).toEqual(['j1', 'j2', 'j3'])
  })
})

const enabled = process.env.TEST_BACKEND === 'mysql'
describe.if(enabled)('across cluster nodes', () => {
  let c: TestCluster
  const opened: TestClient[] = []
  beforeAll(async () => {
    c = await startCluster({
      nodes: 2,
      env: { MATCH_FALLBACK_MS: '0', REPAIR_COOLDOWN_MS: '0', RESUME_WINDOW_MS: '8000', LOG_LEVEL: 'warn', RATE_SESSIONS_PER_MINUTE: '4', POW_MODE: 'adaptive', POW_BITS: '8' },
    })
  }, 60_000)
  afterAll(async () => {
    for (const x of opened) if (!x.closed) x.ws.close()
    await c?.stop()
  }, 30_000)

  const node = (i: number) => c.nodes[i]!
  async function client(n: ClusterNode, ip: string, resume?: string) {
    const x = await TestClient.connect(n.wsUrl + (resume ? `?resume=${encodeURIComponent(resume)}` : ''), fromIp(ip))
    opened.push(x)
    return x
  }
  /** A find, with the proof of work if one is asked for; resolves on `queued`. */
  async function find(x: TestClient, interests: string[], random: boolean) {
    const mark = x.mark()
    x.send({ type: 'find', interests, random })
    for (;;) {
      await Bun.sleep(5)
      const got = x.since(mark)
      const e = got.find(f => f.type === 'error')
      if (e?.type === 'error') {
        expect(e.code).toBe('proof_required')
        x.send({ type: 'proof', token: e.challenge!.token, nonce: solveChallenge(e.challenge!) })
        await x.after(mark, 'queued')
        return
      }
      if (got.some(f => f.type === 'queued')) return
    }
  }

  test('a block on one node keeps the two addresses apart on every node, from new sessions', async () => {
    const ipA = freshIp()
    const ipB = freshIp()
    const a = await client(node(0), ipA)
    const b = await client(node(1), ipB)
    const interest = uniqueInterest()
    await find(a, [interest], false)
    await find(b, [interest], false)
    await Promise.all([a.next('matched'), b.next('matched')])
    a.send({ type: 'block' })
    await b.next('ended')
    const a2 = await client(node(1), ipA)
    const b2 = await client(node(0), ipB)
    const again = uniqueInterest()
    await find(a2, [again], true)
    await find(b2, [again], true)
    expect(await a2.nothing('matched', 400)).toBe(true)
  })

  test('the session rate is counted across nodes', async () => {
    const ip = freshIp()
    for (let i = 0; i < 4; i++) {
      const x = await client(node(i % 2), ip)
      x.close()
    }
    const r = await fetch(node(1).url + '/chat', {
      headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...fromIp(ip) },
    })
    expect(r.status).toBe(429)
  })

  test('a proof-of-work challenge issued on one node verifies on another, and a proof sent after a resume there starts the pending search', async () => {
    const ip = freshIp()
    const x = await client(node(0), ip)
    const interests = [uniqueInterest()]
    x.send({ type: 'find', interests, random: false })
    const e = await x.next('error')
    expect(e.code).toBe('proof_required')
    x.drop()
    await x.waitClose()
    const y = await client(node(1), ip, x.session)
    expect(y.session).toBe(x.session)
    y.send({ type: 'proof', token: e.challenge!.token, nonce: solveChallenge(e.challenge!) })
    // The accepted proof starts the search of the find made on the first node (as on one node).
    expect((await y.next('queued')).interests).toEqual(interests)
    expect(y.all('error')).toEqual([])
    // The pass is shared too: the next find starts at once.
    y.send({ type: 'find', interests: [uniqueInterest()], random: false })
    await y.next('queued')
    expect(y.all('error')).toEqual([])
  })
  test('`mod ban` and `unban` reach a Redis-only cluster at once: live chats end, the next find is refused, then admitted', async () => {
    const ipV = freshIp()
    const v = await client(node(1), ipV)
    const p = await client(node(0), freshIp())
    const interest = uniqueInterest()
    // A find first: the nodes now cache "not banned" for this address (BAN_CACHE_SECONDS).
    await find(v, [interest], false)
    await find(p, [interest], false)
    await Promise.all([v.next('matched'), p.next('matched')])
    const out: string[] = []
    const cli = async (...args: string[]) => {
      out.length = 0
      const code = await runModCli(args, { ...c.env, LOG_LEVEL: 'error' }, s => void out.push(s))
      expect(code).toBe(0)
      return out.join('\n')
    }
    const hash = (await cli('hash-ip', ipV)).trim()
    expect(await cli('ban', hash, '--seconds', '600')).toContain(`banned ${hash}`)
    expect(await v.next('ended', 2000)).toMatchObject({ by: 'server', reason: 'banned' })
    expect(v.all('error').map(e => e.code)).toContain('banned')
    expect(await p.next('ended', 2000)).toMatchObject({ by: 'stranger', reason: 'banned' })
    const mark = v.mark()
    v.send({ type: 'find', interests: [uniqueInterest()], random: false })
    await v.after(mark, 'error')
    expect(v.since(mark).find(f => f.type === 'error')).toMatchObject({ code: 'banned' })
    await cli('unban', hash)
    await find(v, [uniqueInterest()], false)
    expect(v.all('queued').length).toBeGreaterThan(1)
  }, 30_000)
})
