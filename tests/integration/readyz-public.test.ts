// /readyz tells the public only whether the app is ready: which part is down (the database, the
// cache, a full disk) stays with the operator, on a request made on this machine straight to the
// app, where /metrics is scraped. Through a proxy (nginx adds X-Forwarded-For) or with any proxy
// header, the body is the status alone; the status code is the same for both.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestApp, type TestApp } from '../support/app'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp()
})
afterAll(() => app.close())

const get = async (headers: Record<string, string> = {}) => {
  const r = await fetch(app.url + '/readyz', { headers })
  return { status: r.status, body: (await r.json()) as Record<string, unknown> }
}

describe('/readyz', () => {
  test('straight from this machine: every component with its health', async () => {
    const r = await get()
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ ok: true, database: true, cache: true, closing: false, databaseWritable: true, mediaWritable: true })
  })

  for (const [name, headers] of [
    ['through a proxy (X-Forwarded-For, as nginx sends it)', { 'x-forwarded-for': '203.0.113.5' }],
    ['with X-Real-IP', { 'x-real-ip': '203.0.113.5' }],
    ['with Forwarded', { forwarded: 'for=203.0.113.5' }],
    ['with a forged loopback X-Forwarded-For', { 'x-forwarded-for': '127.0.0.1' }],
  ] as const) {
    test(`${name}: the status alone`, async () => {
      expect(await get(headers)).toEqual({ status: 200, body: { ok: true } })
    })
  }

  test('not ready: the public sees 503 and ok false, still without saying which part failed', async () => {
    // Shutting down is a not-ready state any backend can be put in: on an app of its own.
    const closing = await startTestApp()
    try {
      closing.services.drain.begin()
      const r = await fetch(closing.url + '/readyz', { headers: { 'x-forwarded-for': '198.51.100.7' } })
      expect({ status: r.status, body: await r.json() }).toEqual({ status: 503, body: { ok: false } })
      const local = await fetch(closing.url + '/readyz')
      expect(local.status).toBe(503)
      expect(await local.json()).toMatchObject({ ok: false, closing: true })
    } finally {
      await closing.close()
    }
  })
})
