// Tickets live in the cache. With memcached down, asking for or redeeming a ticket is a clear
// 503 `cache_unavailable`, the server stays up, and uploads work again once memcached is back.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startMemcached, type Memcached } from '../support/memcached'
import { startTestApp, type TestApp } from '../support/app'
import { pair } from '../support/ws-client'
import * as files from '../support/media-files'
import { grantTicket, put, requestTicket, storedFiles } from '../support/media'

let memcached: Memcached
let app: TestApp
beforeAll(async () => {
  // A private memcached, so stopping it disturbs no other test.
  memcached = await startMemcached()
  app = await startTestApp({ MEMCACHED_SERVERS: memcached.servers })
})
afterAll(async () => {
  await app.close()
  await memcached.stop()
})

test('with the ticket store down, tickets and uploads answer 503 cache_unavailable and nothing is stored', async () => {
  const { a, b } = await pair(() => app.client())
  const image = files.png()
  const t = await grantTicket(app, a.session, { kind: 'image', mime: 'image/png', size: image.length, name: 'x.png' })
  const before = storedFiles(app)
  await memcached.stop()

  const ticket = await requestTicket(app, a.session, { kind: 'image', mime: 'image/png', size: image.length, name: 'x.png' })
  expect(ticket).toMatchObject({ ok: false, status: 503, appCode: 'cache_unavailable' })
  const upload = await put(app, t.uploadUrl, image, a.session)
  expect(upload.status).toBe(503)
  expect(upload.json?.error?.code).toBe('cache_unavailable')
  expect(storedFiles(app)).toEqual(before)
  expect((await fetch(app.url + '/healthz')).status).toBe(200)

  await memcached.start()
  // memjs reconnects on its own; the first calls may still fail while it does.
  let again = await requestTicket(app, a.session, { kind: 'image', mime: 'image/png', size: image.length, name: 'x.png' })
  for (let i = 0; i < 20 && !again.ok; i++) {
    await Bun.sleep(100)
    again = await requestTicket(app, a.session, { kind: 'image', mime: 'image/png', size: image.length, name: 'x.png' })
  }
  expect(again.ok).toBe(true)
  if (again.ok) expect((await put(app, again.data.uploadUrl, image, a.session)).status).toBe(201)
  a.close()
  b.close()
})
