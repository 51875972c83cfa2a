// The limits are configuration: a server started with MAX_UPLOAD_BYTES=2000 and
// MAX_VOICE_SECONDS=5 enforces those, at the ticket and on the bytes that arrive.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'
import { pair, type TestClient } from '../support/ws-client'
import * as files from '../support/media-files'
import { grantTicket, put, requestTicket, send, storedFiles } from '../support/media'

let app: TestApp
let a: TestClient
let b: TestClient
beforeAll(async () => {
  app = await startTestApp({ MAX_UPLOAD_BYTES: '2000', MAX_VOICE_SECONDS: '5' })
  ;({ a, b } = await pair(() => app.client()))
})
afterAll(async () => {
  a.close()
  b.close()
  await app.close()
})

describe('MAX_UPLOAD_BYTES=2000', () => {
  test('clients are told the cap in hello and in the ticket', async () => {
    expect((a.frames.find(f => f.type === 'hello') as { limits: { maxUploadBytes: number } }).limits.maxUploadBytes).toBe(2000)
    const t = await grantTicket(app, a.session, { kind: 'file', mime: 'text/plain', size: 2000, name: 'a.txt' })
    expect(t.maxBytes).toBe(2000)
  })

  test('a ticket for 2001 bytes is refused', async () => {
    const r = await requestTicket(app, a.session, { kind: 'file', mime: 'text/plain', size: 2001, name: 'a.txt' })
    expect(r).toMatchObject({ ok: false, status: 413, appCode: 'too_large' })
    if (!r.ok) expect(r.message).toContain('2000')
  })

  test('exactly 2000 bytes are accepted; 2001 are refused by Content-Length and by counting a stream', async () => {
    const exact = files.text('x'.repeat(1999) + '\n')
    expect(exact.length).toBe(2000)
    expect((await send(app, a.session, 'file', 'text/plain', exact, 'exact.txt')).status).toBe(201)
    expect((await b.next('media')).media.size).toBe(2000)

    const before = storedFiles(app)
    const over = files.text('x'.repeat(2001))
    const t0 = await grantTicket(app, a.session, { kind: 'file', mime: 'text/plain', size: 10, name: 'lies.txt' })
    const byLength = await put(app, t0.uploadUrl, over, a.session)
    expect(byLength.status).toBe(413)

    // Declared at the cap, so it is the cap (not the ticket's size) that the stream runs into.
    const t = await grantTicket(app, a.session, { kind: 'file', mime: 'text/plain', size: 2000, name: 'lies.txt' })
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(over.subarray(0, 1000))
        ctrl.enqueue(over.subarray(1000))
        ctrl.close()
      },
    })
    const byCount = await put(app, t.uploadUrl, stream, a.session)
    expect(byCount.status).toBe(413)
    expect(byCount.json?.error?.message).toContain('2000')
    expect(storedFiles(app)).toEqual(before)
  })
})

describe('MAX_VOICE_SECONDS=5', () => {
  test('a 4 s voice note passes and a 10 s one is refused', async () => {
    expect((await send(app, a.session, 'audio', 'audio/ogg', files.oggOpus(4, 50))).status).toBe(201)
    const long = await send(app, a.session, 'audio', 'audio/ogg', files.oggOpus(10, 50))
    expect(long.status).toBe(422)
    expect(long.json?.error?.code).toBe('too_long')
    expect(long.json?.error?.message).toContain('5 s')
  })
})
