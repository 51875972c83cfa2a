// A graceful restart during an active chat, with the app as a real process: SIGTERM, exit within
// SHUTDOWN_TIMEOUT_MS, a new process on the same port, clients reconnecting with ?resume=.
// With memcached (mysql backend) the chat survives and nothing is lost; with the in-process cache
// clients are told the chat cannot resume and get a fresh session.
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerFrame } from '../../api/chat/protocol'
import { spawnApp, type AppProcess } from '../support/app-process'
import { backend } from '../support/backend'
import { freePort } from '../support/memcached'
import { TestClient, pair } from '../support/ws-client'

const SHUTDOWN_TIMEOUT_MS = 3000
const be = backend()
const running: AppProcess[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const p of running.splice(0)) await p.stop()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function appEnv(): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-restart-'))
  dirs.push(dataDir)
  return {
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    ALLOWED_ORIGINS: 'http://127.0.0.1',
    TRUSTED_PROXIES: 'loopback',
    ...(be.databaseUrl && { DATABASE_URL: be.databaseUrl }),
    ...(be.memcachedServers && { MEMCACHED_SERVERS: be.memcachedServers }),
  }
}

async function start(env: Record<string, string>) {
  const p = await spawnApp(env)
  running.push(p)
  return p
}

/** Stranger texts a client saw across its connections, each seq once, in order. */
function textsSeen(...conns: TestClient[]): string[] {
  const bySeq = new Map<number, string>()
  for (const c of conns) for (const f of c.frames) if (f.type === 'text' && !bySeq.has(f.seq)) bySeq.set(f.seq, f.body)
  return [...bySeq.entries()].sort(([x], [y]) => x - y).map(([, body]) => body)
}

async function until(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await Bun.sleep(10)
  }
}

const deliveredIds = (...conns: TestClient[]) => new Set(conns.flatMap(c => c.all('delivered').map(d => d.id)))

/** SIGTERM; both clients get `shutdown` then close 1012; the process exits 0 within the bound. */
async function restartUnder(first: AppProcess, clients: TestClient[]) {
  const t0 = performance.now()
  first.proc.kill('SIGTERM')
  const shutdowns = await Promise.all(clients.map(c => c.next('shutdown', SHUTDOWN_TIMEOUT_MS)))
  for (const c of clients) expect((await c.waitClose(SHUTDOWN_TIMEOUT_MS)).code).toBe(1012)
  const code = await first.exited
  const ms = performance.now() - t0
  expect(code).toBe(0)
  expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS)
  expect(first.logs.some(l => l.msg === 'stopped')).toBe(true)
  return shutdowns
}

describe(`graceful restart (${be.name})`, () => {
  test.if(be.name === 'mysql')('SIGTERM mid-chat with memcached: both clients resume the same chat and no message is lost', async () => {
    const env = await appEnv()
    const first = await start(env)
    const { a, b, chat } = await pair(() => TestClient.connect(first.wsUrl))

    a.send({ type: 'text', id: 'a1', body: 'before the restart' })
    await b.next('text')
    b.send({ type: 'text', id: 'b1', body: 'reply before the restart' })
    await a.next('text')
    // A third client is waiting in the queue.
    const c = await TestClient.connect(first.wsUrl)
    c.send({ type: 'find', interests: ['nobody-else-' + c.session.slice(0, 8)], random: false })
    await c.next('queued')
    // Nobody acks, so everything stays in the outboxes; one more text races the signal.
    a.send({ type: 'text', id: 'a2', body: 'racing the signal' })

    const shutdowns = await restartUnder(first, [a, b, c])
    for (const s of shutdowns) expect(s).toMatchObject({ type: 'shutdown', resumable: true })

    const second = await start(env)
    // The waiter keeps its place: back in the queue with the same interests.
    const c2 = await TestClient.connect(`${second.wsUrl}?resume=${c.session}`)
    expect(c2.frames[0]).toMatchObject({ type: 'hello', resumed: true })
    expect((await c2.next('queued')).interests).toEqual([`nobody-else-${c.session.slice(0, 8)}`.toLowerCase()])
    c2.close()

    const a2 = await TestClient.connect(`${second.wsUrl}?resume=${a.session}`)
    const hello = a2.frames[0] as Extract<ServerFrame, { type: 'hello' }>
    expect(hello).toMatchObject({ resumed: true, session: a.session })
    // The partner is not back yet.
    expect((await a2.next('partner')).state).toBe('reconnecting')
    const b2 = await TestClient.connect(`${second.wsUrl}?resume=${b.session}`)
    expect(b2.frames[0]).toMatchObject({ type: 'hello', resumed: true, session: b.session })
    expect((await a2.next('partner')).state).toBe('back')
    // Replayed: the unacked `matched` of the same chat.
    expect((await b2.next('matched')).chat).toBe(chat)

    // The client's rule: a text without `delivered` (live or replayed, and the replay came before
    // the `partner` frames above) is sent again with the same id. Either way b sees it once.
    if (!deliveredIds(a, a2).has('a2')) {
      a2.send({ type: 'text', id: 'a2', body: 'racing the signal' })
      expect((await a2.next('delivered')).id).toBe('a2')
    }

    a2.send({ type: 'text', id: 'a3', body: 'after the restart' })
    b2.send({ type: 'text', id: 'b2', body: 'reply after the restart' })
    await until(() => deliveredIds(a2).has('a3') && deliveredIds(b2).has('b2') && textsSeen(b2).includes('after the restart') && textsSeen(a2).includes('reply after the restart'))
    // Anything duplicated would arrive right behind.
    await Bun.sleep(100)

    expect(textsSeen(b, b2)).toEqual(['before the restart', 'racing the signal', 'after the restart'])
    expect(textsSeen(a, a2)).toEqual(['reply before the restart', 'reply after the restart'])
    // The frames b received are seq-numbered without gaps across both processes.
    const seqs = [...new Set([...b.frames, ...b2.frames].flatMap(f => ('seq' in f ? [f.seq] : [])))].sort((x, y) => x - y)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))

    // A crash is not a graceful restart: nothing was saved at the end, and the snapshot the first
    // restart left was used up, so the clients get fresh sessions, never a chat with a stale seq.
    second.proc.kill('SIGKILL')
    await second.exited
    const third = await start(env)
    const a3 = await TestClient.connect(`${third.wsUrl}?resume=${a.session}`)
    expect(a3.frames[0]).toMatchObject({ type: 'hello', resumed: false })
    expect(a3.session).not.toBe(a.session)
    a3.close()
  })

  test.if(be.name === 'embedded')('SIGTERM mid-chat with the in-process cache: clients are told it cannot resume and get a fresh session', async () => {
    const env = await appEnv()
    const first = await start(env)
    const { a, b } = await pair(() => TestClient.connect(first.wsUrl))
    a.send({ type: 'text', id: 'a1', body: 'before the restart' })
    await b.next('text')

    const shutdowns = await restartUnder(first, [a, b])
    for (const s of shutdowns) expect(s).toMatchObject({ type: 'shutdown', resumable: false })

    const second = await start(env)
    const a2 = await TestClient.connect(`${second.wsUrl}?resume=${a.session}`)
    expect(a2.frames[0]).toMatchObject({ type: 'hello', resumed: false })
    expect(a2.session).not.toBe(a.session)
    // A fresh, idle session: no replay, no chat.
    expect(await a2.nothing('matched', 150)).toBe(true)
    a2.send({ type: 'text', id: 'x', body: 'anyone?' })
    expect((await a2.next('error')).code).toBe('not_in_chat')
    a2.close()
  })
})
