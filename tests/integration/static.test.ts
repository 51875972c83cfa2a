// The built PWA is served by the app; its page carries the server's WS_PATH so the client
// connects where the server listens without a rebuild.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestApp, type TestApp } from '../support/app'
import { TestClient } from '../support/ws-client'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { precompressFiles } from '../../pwa/vite-precompress'

let app: TestApp
const BIG_JS = Array.from({ length: 400 }, (_, i) => `export const value${i} = ${i} * 2; // a line of a bundle`).join('\n')
const root = mkdtempSync(join(tmpdir(), 'leetchat-static-'))

beforeAll(async () => {
  writeFileSync(join(root, 'index.html'), '<!doctype html><meta name="leetchat-ws-path" content="/chat" /><div id="app"></div>')
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)')
  writeFileSync(join(root, 'assets', 'big-5678.js'), BIG_JS)
  writeFileSync(join(root, 'sw.js'), BIG_JS)
  writeFileSync(join(root, 'icon.png'), new Uint8Array(4096))
  // What the build's precompress step does to pwa/dist.
  precompressFiles(root)
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

const get = (path: string, acceptEncoding: string, accept = '*/*') =>
  fetch(app.url + path, { headers: { 'accept-encoding': acceptEncoding, accept }, decompress: false } as RequestInit)

test('JavaScript goes out precompressed: brotli when accepted, else gzip, else as it is; always Vary: Accept-Encoding', async () => {
  const br = await get('/assets/big-5678.js', 'gzip, deflate, br')
  expect(br.headers.get('content-encoding')).toBe('br')
  expect(br.headers.get('vary')).toBe('Accept-Encoding')
  expect(br.headers.get('content-type')).toContain('javascript')
  expect(br.headers.get('cache-control')).toContain('immutable')
  const brBytes = new Uint8Array(await br.arrayBuffer())
  expect(brBytes.length).toBeLessThan(BIG_JS.length / 4)
  expect(brotliDecompressSync(brBytes).toString()).toBe(BIG_JS)

  const gz = await get('/assets/big-5678.js', 'gzip')
  expect(gz.headers.get('content-encoding')).toBe('gzip')
  expect(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString()).toBe(BIG_JS)
  // q=0 refuses brotli; identity only gets the plain file.
  expect((await get('/assets/big-5678.js', 'br;q=0, gzip;q=0.5')).headers.get('content-encoding')).toBe('gzip')
  const plain = await get('/assets/big-5678.js', 'identity')
  expect(plain.headers.get('content-encoding')).toBeNull()
  expect(plain.headers.get('vary')).toBe('Accept-Encoding')
  expect(await plain.text()).toBe(BIG_JS)
  // Images are already compressed: sent as they are, no Vary.
  const png = await get('/icon.png', 'br')
  expect(png.headers.get('content-encoding')).toBeNull()
  expect(png.headers.get('vary')).toBeNull()
})

test('a precompressed copy older than its file (an edited sw.js) is never served', async () => {
  const later = new Date(Date.now() + 60_000)
  utimesSync(join(root, 'sw.js'), later, later)
  const r = await get('/sw.js', 'br, gzip')
  expect(r.headers.get('content-encoding')).toBeNull()
  expect(await r.text()).toBe(BIG_JS)
})

test('the page (rewritten for WS_PATH) is compressed as it is served', async () => {
  const r = await get('/', 'br', 'text/html')
  expect(r.headers.get('content-encoding')).toBe('br')
  expect(r.headers.get('vary')).toBe('Accept-Encoding')
  expect(brotliDecompressSync(new Uint8Array(await r.arrayBuffer())).toString()).toContain('content="/live"')
  const gz = await get('/some/route', 'gzip', 'text/html')
  expect(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString()).toContain('content="/live"')
})
