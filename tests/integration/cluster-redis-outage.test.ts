// Chats end while the cluster's Redis is away: two real node processes on a private Redis, reached
// through a TCP proxy (cut = Redis down, its data kept) or frozen with SIGSTOP (a stalled Redis:
// commands time out). Every way a chat ends (leave, next, goodbye close 1000, block, a report) is
// taken on one node while its partner is on the other: no node process exits, none logs an
// unhandled rejection, and each partner is told `ended` once Redis answers again.
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnApp, type AppProcess } from '../support/app-process'
import { LIFTED_LIMITS, type TestApp } from '../support/app'
import { mutation } from '../support/media'
import { freePort } from '../support/memcached'
import { uniqueInterest } from '../support/people'
import { startRedis, testPrefix } from '../support/redis'
import { startTcpProxy } from '../support/tcp-proxy'
import { TestClient } from '../support/ws-client'

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => {})
}, 30_000)

async function twoNodes() {
  const redis = await startRedis()
  cleanup.push(() => redis.stop())
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port })
  cleanup.push(() => proxy.stop())
  const prefix = testPrefix('outage')
  const nodes: AppProcess[] = []
  for (const id of ['out-a', 'out-b']) {
    const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-outage-'))
    cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }))
    const node = await spawnApp(
      {
        ...LIFTED_LIMITS,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        NODE_ID: id,
        DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        REDIS_PREFIX: prefix,
        MEMCACHED_SERVERS: '',
        // Long enough that a 4 s outage does not make the nodes take each other for dead.
        NODE_HEARTBEAT_MS: '500',
        NODE_TTL_MS: '30000',
        RESUME_WINDOW_MS: '20000',
        TRUSTED_PROXIES: 'loopback',
        ALLOWED_ORIGINS: 'http://127.0.0.1',
        SHUTDOWN_TIMEOUT_MS: '3000',
        LOG_LEVEL: 'warn',
      },
      30_000,
    )
    cleanup.push(() => node.stop())
    nodes.push(node)
  }
  return { redis, proxy, a: nodes[0]!, b: nodes[1]! }
}

const opened: TestClient[] = []
cleanup.push(async () => {
  for (const x of opened.splice(0)) if (!x.closed) x.ws.close()
})
async function client(n: AppProcess) {
  const x = await TestClient.connect(n.wsUrl)
  opened.push(x)
  return x
}

/** x on node a, y on node b, in one chat. */
async function chatAcross(a: AppProcess, b: AppProcess) {
  const x = await client(a)
  const y = await client(b)
  const interest = uniqueInterest()
  x.send({ type: 'find', interests: [interest], random: false })
  await x.next('queued')
  y.send({ type: 'find', interests: [interest], random: false })
  await Promise.all([x.next('matched', 5000), y.next('matched', 5000)])
  return { x, y }
}

async function alive(n: AppProcess) {
  expect(n.proc.exitCode).toBeNull()
  expect((await fetch(n.url + '/healthz')).status).toBe(200)
}

const unhandled = (n: AppProcess) => n.logs.filter(l => /unhandled|uncaught/i.test(typeof l.msg === 'string' ? l.msg : typeof l.raw === 'string' ? l.raw : ''))

describe.each(['down', 'frozen'] as const)('Redis %s while chats end on two nodes', mode => {
  test('no node exits and every partner is told the chat ended once Redis answers', async () => {
    const { redis, proxy, a, b } = await twoNodes()
    const chats = []
    for (let i = 0; i < 5; i++) chats.push(await chatAcross(a, b))
    const [leave, next, goodbye, block, report] = chats as [(typeof chats)[0], (typeof chats)[0], (typeof chats)[0], (typeof chats)[0], (typeof chats)[0]]

    if (mode === 'down') await proxy.cut()
    else redis.freeze()
    cleanup.push(async () => redis.thaw())

    leave.x.send({ type: 'leave' })
    next.x.send({ type: 'next' })
    goodbye.x.close(1000)
    block.x.send({ type: 'block' })
    // A report ends the chat too (its answer may be an error while Redis is away: that is fine).
    const reported = mutation({ url: a.url } as TestApp, 'reports.create', { reason: 'spam' }, report.x.session).catch(() => null)
    // Past the command timeout (2 s): the calls made above have rejected by now.
    await Bun.sleep(3500)
    await reported
    await alive(a)
    await alive(b)

    if (mode === 'down') await proxy.restore()
    else redis.thaw()

    for (const { y } of [leave, next, goodbye, block, report]) {
      const ended = await y.next('ended', 10_000)
      expect(ended.by).toBe('stranger')
    }
    await alive(a)
    await alive(b)
    expect(unhandled(a)).toEqual([])
    expect(unhandled(b)).toEqual([])
  }, 60_000)
})
