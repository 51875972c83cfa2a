// The PWA's chat socket (pwa/src/lib/socket.ts) against the real server: resume after a network
// loss with nothing lost or doubled, unconfirmed texts resent by the same id, and a new session
// reported as "lost" once the resume window has passed. The browser tests cover the same through
// chromium; this pins the socket's own rules quickly on both backends.
import { afterEach, expect, test } from 'bun:test'
import type { ServerFrame } from '../../api/chat/protocol'
import { ChatSocket, type SocketEvent } from '../../pwa/src/lib/socket'
import { startTestApp, type TestApp } from '../support/app'

// The few browser globals the socket uses: a document for visibility and navigator.onLine.
let online = true
;(globalThis as { document?: unknown }).document ??= Object.assign(new EventTarget(), { visibilityState: 'visible' })
Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online })
function setOnline(v: boolean) {
  online = v
  dispatchEvent(new Event(v ? 'online' : 'offline'))
}

class Probe {
  readonly events: SocketEvent[] = []
  readonly socket: ChatSocket
  private waiters: Array<() => void> = []
  constructor(url: string, memory?: ConstructorParameters<typeof ChatSocket>[2]) {
    this.socket = new ChatSocket(
      url,
      e => {
        this.events.push(e)
        for (const w of this.waiters.splice(0)) w()
      },
      memory,
    )
  }
  frames<T extends ServerFrame['type']>(type: T): Array<Extract<ServerFrame, { type: T }>> {
    return this.events.flatMap(e => (e.type === 'frame' && e.frame.type === type ? [e.frame as Extract<ServerFrame, { type: T }>] : []))
  }
  sessions() {
    return this.events.flatMap(e => (e.type === 'session' ? [e] : []))
  }
  async until(what: string, ok: () => boolean, ms = 5000) {
    const end = Date.now() + ms
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>(r => {
        this.waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }
}

let app: TestApp | null = null
const probes: Probe[] = []
afterEach(async () => {
  for (const p of probes.splice(0)) p.socket.stop()
  online = true
  await app?.close()
  app = null
})

async function pairProbes(env: Record<string, string> = {}) {
  app = await startTestApp(env)
  const a = new Probe(app.wsUrl)
  const b = new Probe(app.wsUrl)
  probes.push(a, b)
  for (const p of [a, b]) {
    p.socket.start()
    await p.until('hello', () => p.sessions().length === 1)
  }
  a.socket.control({ type: 'find', interests: ['sockets'], random: false })
  b.socket.control({ type: 'find', interests: ['sockets'], random: false })
  for (const p of [a, b]) await p.until('matched', () => p.frames('matched').length === 1)
  return [a, b] as const
}

test('after a network loss both sides resume the same chat; texts written offline arrive once each', async () => {
  const [a, b] = await pairProbes()
  const sessionA = a.socket.session
  a.socket.text('a1', 'before')
  await b.until('first text', () => b.frames('text').length === 1)
  await a.until('delivered a1', () => a.frames('delivered').length === 1)

  setOnline(false)
  expect(a.events.some(e => e.type === 'state' && e.state === 'offline')).toBe(true)
  a.socket.text('a2', 'written offline by a')
  b.socket.text('b1', 'written offline by b')
  await Bun.sleep(300)
  setOnline(true)

  await a.until('a resumed', () => a.sessions().length === 2)
  await b.until('b resumed', () => b.sessions().length === 2)
  expect(a.sessions()[1]!.hello.resumed).toBe(true)
  expect(a.sessions()[1]!.lost).toBe(false)
  expect(a.socket.session).toBe(sessionA)

  await b.until('a2 at b', () => b.frames('text').length === 2)
  await a.until('b1 at a', () => a.frames('text').length === 1)
  await a.until('a2 delivered', () => a.frames('delivered').some(d => d.id === 'a2'))
  await b.until('b1 delivered', () => b.frames('delivered').some(d => d.id === 'b1'))
  await Bun.sleep(200) // anything doubled would have arrived by now
  expect(b.frames('text').map(t => t.body)).toEqual(['before', 'written offline by a'])
  expect(a.frames('text').map(t => t.body)).toEqual(['written offline by b'])
  // One matched each (a replayed one is dropped by seq), and the chat is still open.
  expect(a.frames('matched')).toHaveLength(1)
  expect(a.frames('ended')).toHaveLength(0)
  a.socket.text('a3', 'after')
  await b.until('a3 at b', () => b.frames('text').length === 3)
})

test('past the resume window a new session starts and the old one is reported lost', async () => {
  const [a, b] = await pairProbes({ RESUME_WINDOW_MS: '200' })
  const first = a.socket.session
  setOnline(false)
  await Bun.sleep(600)
  setOnline(true)
  await a.until('new session', () => a.sessions().length === 2)
  const s = a.sessions()[1]!
  expect(s.hello.resumed).toBe(false)
  expect(s.lost).toBe(true)
  expect(a.socket.session).not.toBe(first)
  // A text from the dead chat is not resent into the new session.
  expect(a.socket.dropUnconfirmed()).toEqual([])
  await b.until('b new session', () => b.sessions().length === 2)
})

test('a text the server refuses is reported as refused (by id) and not resent; the next one goes through', async () => {
  const [a, b] = await pairProbes({ MAX_TEXT_LENGTH: '10' })
  a.socket.text('ok1', 'short')
  a.socket.text('long', 'far longer than ten characters')
  a.socket.text('ok2', 'short too')
  await a.until('refused', () => a.events.some(e => e.type === 'refused'))
  expect(a.events.filter(e => e.type === 'refused')).toEqual([{ type: 'refused', id: 'long', code: 'bad_frame' }])
  await a.until('delivered', () => a.frames('delivered').length === 2)
  expect(a.frames('delivered').map(d => d.id)).toEqual(['ok1', 'ok2'])
  await b.until('texts', () => b.frames('text').length === 2)
  // Not resent after a resume: only unconfirmed texts the server never answered are.
  setOnline(false)
  setOnline(true)
  await a.until('resumed', () => a.sessions().length === 2)
  await Bun.sleep(200)
  expect(b.frames('text').map(t => t.body)).toEqual(['short', 'short too'])
})

test('a graceful restart: the shutdown frame tells the socket whether the session survives', async () => {
  const [a] = await pairProbes()
  const resumable = app!.services.cache.kind !== 'memory'
  const session = a.socket.session
  const stopping = app!.stop()
  await a.until('disconnected', () => a.events.some(e => e.type === 'state' && e.state !== 'open'))
  await stopping
  // In-process state dies with the process: the chat is over and the next connection starts afresh.
  expect(a.events.some(e => e.type === 'restart')).toBe(!resumable)
  expect(a.socket.session).toBe(resumable ? session : null)
})

test('a reloaded page resumes from what the tab kept: same chat, nothing shown twice, its unconfirmed text sent once, no ended for the partner', async () => {
  const [a, b] = await pairProbes()
  b.socket.text('b1', 'seen before the reload')
  await a.until('b1', () => a.frames('text').length === 1)
  // The page goes away (no goodbye) while a text of its own is still unconfirmed.
  const kept = a.socket.memory()!
  a.socket.suspend()
  kept.unconfirmed.push(['a9', 'typed just before the reload'])
  await b.until('partner reconnecting', () => b.frames('partner').some(f => f.state === 'reconnecting'))
  b.socket.text('b2', 'sent while the page reloaded')
  // Kept for the page, but `delivered` waits until the page's connection has it.
  await Bun.sleep(100)
  expect(b.frames('delivered').length).toBe(1)

  const next = new Probe(app!.wsUrl, kept)
  probes.push(next)
  next.socket.start()
  await next.until('resumed hello', () => next.sessions().length === 1)
  await b.until('b2 delivered after the resume', () => b.frames('delivered').length === 2)
  expect(next.sessions()[0]!.hello.resumed).toBe(true)
  expect(next.sessions()[0]!.lost).toBe(false)
  expect(next.socket.session).toBe(kept.session)
  // Only what the old page had not shown is handed on.
  await next.until('b2', () => next.frames('text').length === 1)
  expect(next.frames('text').map(f => f.body)).toEqual(['sent while the page reloaded'])
  expect(next.frames('matched')).toEqual([])
  await b.until('a9 arrives', () => b.frames('text').length === 1)
  await b.until('partner back', () => b.frames('partner').some(f => f.state === 'back'))
  expect(b.frames('text').map(f => f.body)).toEqual(['typed just before the reload'])
  await next.until('a9 delivered', () => next.frames('delivered').some(f => f.id === 'a9'))
  expect(b.frames('ended')).toEqual([])
})
