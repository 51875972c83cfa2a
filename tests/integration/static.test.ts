// The built PWA is served by the app; its page carries the server's WS_PATH so the client
// connects where the server listens without a rebuild.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestApp, type TestApp } from '../support/app'
import { TestClient } from '../support/ws-client'

let app: TestApp
const root = mkdtempSync(join(tmpdir(), 'leetchat-static-'))

beforeAll(async () => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><meta name="leetchat-ws-path" content="/chat" /><div id="app"></div>')
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)')
  app = await startTestApp({ WS_PATH: '/live' }, { staticRoot: root })
})
afterAll(() => app.close())

test('the page names the WebSocket path the server listens on, and the socket answers there', async () => {
  for (const path of ['/', '/index.html', '/some/client/route']) {
    const res = await fetch(app.url + path, { headers: { accept: 'text/html' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(await res.text()).toContain('<meta name="leetchat-ws-path" content="/live" />')
  }
  const c = await TestClient.connect(app.url.replace('http', 'ws') + '/live')
  expect(c.session.length).toBeGreaterThanOrEqual(22)
  c.close()
})

test('hashed assets are cached for a year; a missing asset is a 404, not the page', async () => {
  const res = await fetch(app.url + '/assets/app-1234.js')
  expect(res.headers.get('cache-control')).toContain('immutable')
  expect(res.headers.get('content-type')).toContain('javascript')
  expect((await fetch(app.url + '/assets/missing.js', { headers: { accept: 'text/html' } })).status).toBe(404)
})
