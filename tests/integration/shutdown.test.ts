// Graceful stop with uploads in flight (the app in-process, real HTTP and WebSockets): an upload
// already running finishes and its `media` frame reaches both sides before `shutdown`; new
// uploads are refused; an upload that stalls is cut off so the stop still ends in time.
import { afterEach, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import { png } from '../support/media-files'
import { filesSettle, grantTicket, put } from '../support/media'
import { pair, type TestClient } from '../support/ws-client'

const apps: TestApp[] = []
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close()
})

async function start(env: Record<string, string>) {
  const app = await startTestApp(env)
  apps.push(app)
  return app
}

async function until(cond: () => boolean, ms = 2000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await Bun.sleep(5)
  }
}

const indexOf = (c: TestClient, type: string) => c.frames.findIndex(f => f.type === type)

/** A body that sends `head`, then waits for `release()` before sending the rest (or never). */
function gatedBody(bytes: Uint8Array, head: number) {
  let release!: () => void
  const gate = new Promise<void>(r => (release = r))
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(bytes.slice(0, head))
      await gate
      c.enqueue(bytes.slice(head))
      c.close()
    },
  })
  return { body, release }
}

describe('graceful stop with uploads in flight', () => {
  test('a running upload finishes and is shared before the goodbye; new uploads are refused meanwhile', async () => {
    const app = await start({ SHUTDOWN_TIMEOUT_MS: '5000' })
    const { a, b } = await pair(() => app.client())
    const bytes = png(8, 8)
    const slow = await grantTicket(app, a.session, { kind: 'image', mime: 'image/png', size: bytes.length, name: 'slow.png' })
    const late = await grantTicket(app, a.session, { kind: 'image', mime: 'image/png', size: bytes.length, name: 'late.png' })

    const { body, release } = gatedBody(bytes, 16)
    const uploading = put(app, slow.uploadUrl, body, a.session)
    await until(() => app.services.drain.inFlight === 1)

    const t0 = performance.now()
    const stopping = app.stop()
    await Bun.sleep(150)
    // Draining: the chat is still up, readiness is gone, and a new upload cannot start.
    expect(app.services.drain.draining).toBe(true)
    expect(a.closed).toBeNull()
    const refused = await put(app, late.uploadUrl, bytes, a.session).catch(() => null)
    if (refused) expect({ status: refused.status, code: refused.json?.error?.code }).toEqual({ status: 503, code: 'shutting_down' })

    release()
    const done = await uploading
    expect(done.status).toBe(201)
    await stopping
    expect(performance.now() - t0).toBeLessThan(5000)

    for (const c of [a, b]) {
      await c.waitClose()
      expect(indexOf(c, 'media')).toBeGreaterThan(-1)
      expect(indexOf(c, 'media')).toBeLessThan(indexOf(c, 'shutdown'))
      expect(c.closed?.code).toBe(1012)
    }
  })

  test('an upload that stalls is cut off: the stop ends within SHUTDOWN_TIMEOUT_MS and nothing is stored', async () => {
    const app = await start({ SHUTDOWN_TIMEOUT_MS: '1200' })
    const { a, b } = await pair(() => app.client())
    const bytes = png(8, 8)
    const t = await grantTicket(app, a.session, { kind: 'image', mime: 'image/png', size: bytes.length, name: 'stalled.png' })
    const { body } = gatedBody(bytes, 16)
    const uploading = put(app, t.uploadUrl, body, a.session).catch(() => null)
    await until(() => app.services.drain.inFlight === 1)

    const t0 = performance.now()
    await app.stop()
    const ms = performance.now() - t0
    expect(ms).toBeLessThan(1200)
    // It did wait for the upload first (most of the budget), rather than cutting it at once.
    expect(ms).toBeGreaterThan(400)
    const result = await uploading
    expect(result?.status ?? 0).not.toBe(201)
    expect(await filesSettle(app, [])).toEqual([])
    expect(b.all('media')).toEqual([])
    expect((await a.next('shutdown')).type).toBe('shutdown')
  })
})
