// The shipped nginx config (ops/nginx/leetchat.conf, rendered by ops/nginx/render.ts exactly as an
// operator would) in front of the real app, with real nginx, a throwaway certificate and
// loopback ports. Clients trust the test certificate; nothing turns verification off.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http2 from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { loadConfig } from '../../api/config'
import { renderNginxConfig, valuesFromConfig } from '../../ops/nginx/render'
import { startTestApp, type TestApp } from '../support/app'
import { freePort } from '../support/memcached'
import { NGINX, startNginx, type Nginx } from '../support/nginx'
import { makeTestCert, type TestCert } from '../support/tls'
import { png } from '../support/media-files'
import { TestClient } from '../support/ws-client'

const CAP = 64 * 1024

let dir: string
let cert: TestCert
let app: TestApp
let nginx: Nginx
let httpsPort: number
let httpPort: number
let base: string
let accessLog: string

/**
 * A minimal "built PWA", so the test does not depend on running vite. nginx and the app get
 * copies that differ in one word, so each response shows who served it.
 */
function fakeDist(root: string, who: string) {
  const dist = join(root, 'pwa', 'dist')
  mkdirSync(join(dist, 'assets'), { recursive: true })
  writeFileSync(join(dist, 'index.html'), `<!doctype html><title>leetChat ${who}</title><script src="/assets/app-3f9a1c.js"></script>`)
  writeFileSync(join(dist, 'sw.js'), `// ${who}\nself.addEventListener("fetch", () => {})`)
  writeFileSync(join(dist, 'manifest.webmanifest'), JSON.stringify({ name: 'leetChat', who }))
  writeFileSync(join(dist, 'manifest.pt-BR.webmanifest'), JSON.stringify({ name: 'leetChat', lang: 'pt-BR', who }))
  writeFileSync(join(dist, 'icon-192.png'), png(2, 2))
  writeFileSync(join(dist, 'assets', 'app-3f9a1c.js'), `console.log("${who}")`)
  writeFileSync(join(dist, 'assets', 'app-3f9a1c.js.gz'), gzipSync(`console.log("${who}")`))
  return dist
}

const get = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, tls: { ca: cert.ca } } as RequestInit)

/** Two clients paired over wss:// through nginx. */
async function pairThroughNginx() {
  const url = `wss://127.0.0.1:${httpsPort}${app.env.WS_PATH ?? '/chat'}`
  const a = await TestClient.connect(url, { Origin: base }, { tls: { ca: cert.ca } })
  const b = await TestClient.connect(url, { Origin: base }, { tls: { ca: cert.ca } })
  const interest = 'nginx-' + Math.random().toString(36).slice(2)
  a.send({ type: 'find', interests: [interest], random: false })
  await a.next('queued')
  b.send({ type: 'find', interests: [interest], random: false })
  await Promise.all([a.next('matched'), b.next('matched')])
  return { a, b }
}

/** media.ticket over https:// through nginx, as the PWA calls it. */
async function ticket(session: string, size: number): Promise<{ uploadUrl: string; maxBytes: number }> {
  const r = await get('/trpc/media.ticket', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session}`, origin: base },
    body: JSON.stringify({ kind: 'image', mime: 'image/png', size, name: 'picture.png' }),
  })
  const json = (await r.json()) as { result?: { data: { uploadUrl: string; maxBytes: number } }; error?: unknown }
  if (!json.result) throw new Error(`ticket refused: ${r.status} ${JSON.stringify(json.error)}`)
  return json.result.data
}

/** A real PNG padded with trailing bytes to exactly `size` bytes. */
function pngOf(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  out.set(png(4, 4))
  return out
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leetchat-nginx-'))
  cert = await makeTestCert(dir)
  httpsPort = await freePort()
  httpPort = await freePort()
  base = `https://127.0.0.1:${httpsPort}`
  const appRoot = join(dir, 'app')
  fakeDist(appRoot, 'disk')
  const appDist = fakeDist(join(dir, 'served-by-app'), 'app')
  app = await startTestApp({ PUBLIC_URL: base, ALLOWED_ORIGINS: base, TRUSTED_PROXIES: '127.0.0.1', MAX_UPLOAD_BYTES: String(CAP) }, { staticRoot: appDist })
  accessLog = join(dir, 'access.log')
  // The operator's path: the app's own settings decide upstream, WebSocket path and body cap; only
  // the machine-specific bits (ports, certificate, folders) are given as flags.
  const config = loadConfig({ ...app.env, PORT: String(app.server.port) })
  const site = renderNginxConfig(
    valuesFromConfig(config, {
      HTTP_LISTEN: `127.0.0.1:${httpPort}`,
      HTTP_LISTEN6: `[::1]:${httpPort}`,
      HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
      HTTPS_LISTEN6: `[::1]:${httpsPort}`,
      TLS_CERT: cert.certFile,
      TLS_KEY: cert.keyFile,
      ACME_ROOT: join(dir, 'acme'),
      APP_ROOT: appRoot,
      ACCESS_LOG: accessLog,
    }),
  )
  expect(site).toContain('client_max_body_size 64k;')
  nginx = await startNginx({ dir, site, waitFor: { host: '127.0.0.1', port: httpsPort } })
})

afterAll(async () => {
  await nginx?.stop()
  await app?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('nginx in front of the app', () => {
  test("rendered with the operator's defaults, the site passes `nginx -t` inside Debian's own nginx.conf", async () => {
    // Debian's /etc/nginx/nginx.conf (read, never written) with only its file paths moved here and
    // sites-enabled/* replaced by our site: the layout an operator ends up with.
    const t = join(dir, 'debian')
    mkdirSync(t, { recursive: true })
    const env = { PUBLIC_URL: 'https://chat.example.com', HOST: '127.0.0.1', PORT: '3000' }
    writeFileSync(join(t, 'site.conf'), renderNginxConfig(valuesFromConfig(loadConfig(env), { TLS_CERT: cert.certFile, TLS_KEY: cert.keyFile, ACCESS_LOG: join(t, 'access.log') })))
    const main = readFileSync('/etc/nginx/nginx.conf', 'utf8')
      .replace(/^pid .*$/m, `pid ${join(t, 'nginx.pid')};`)
      .replace(/^(\s*)error_log .*$/m, `$1error_log ${join(t, 'error.log')};`)
      .replace(/^(\s*)access_log .*$/m, `$1access_log ${join(t, 'access.log')};`)
      .replace(/include \/etc\/nginx\/sites-enabled\/\*;/, `include ${join(t, 'site.conf')};`)
    expect(main).toContain(join(t, 'site.conf'))
    writeFileSync(join(t, 'nginx.conf'), main)
    const check = Bun.spawn([NGINX, '-t', '-q', '-c', join(t, 'nginx.conf'), '-e', join(t, 'error.log')], { stdout: 'pipe', stderr: 'pipe' })
    const code = await check.exited
    expect({ code, stderr: await new Response(check.stderr).text() }).toEqual({ code: 0, stderr: '' })
  })

  test('plain HTTP is redirected to the HTTPS origin with path and query kept', async () => {
    const r = await fetch(`http://127.0.0.1:${httpPort}/some/page?x=1`, { redirect: 'manual' })
    expect(r.status).toBe(301)
    expect(r.headers.get('location')).toBe(`${base}/some/page?x=1`)
    // server_tokens off: no version for scanners.
    expect(r.headers.get('server')).toBe('nginx')
  })

  test('TLS offers HTTP/2, and the app answers /healthz and /readyz through it', async () => {
    const session = http2.connect(base, { ca: cert.ca })
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': '/healthz' })
        req.on('response', h => resolve(Number(h[':status'])))
        req.on('error', reject)
        req.end()
      })
      expect(status).toBe(200)
      expect(session.alpnProtocol).toBe('h2')
    } finally {
      session.close()
    }
    const ready = await get('/readyz')
    expect(ready.status).toBe(200)
    expect((await ready.json()).ok).toBe(true)
    expect((await get('/healthz')).headers.get('strict-transport-security')).toContain('max-age=')
  })

  test('a chat pair talks over wss:// through nginx, and the app sees the address nginx saw, not a spoofed header', async () => {
    const wss = (host: string) => `wss://${host}:${httpsPort}${app.env.WS_PATH ?? '/chat'}`
    const origin = { Origin: base }
    const a = await TestClient.connect(wss('127.0.0.1'), origin, { tls: { ca: cert.ca } })
    // Over IPv6 loopback, which is not a trusted proxy: the forged X-Forwarded-For must be ignored.
    const b = await TestClient.connect(wss('[::1]'), { ...origin, 'X-Forwarded-For': '203.0.113.9' }, { tls: { ca: cert.ca } })
    const interest = 'nginx-' + Math.random().toString(36).slice(2)
    a.send({ type: 'find', interests: [interest], random: false })
    await a.next('queued')
    b.send({ type: 'find', interests: [interest], random: false })
    const [ma, mb] = await Promise.all([a.next('matched'), b.next('matched')])
    expect(ma.chat).toBe(mb.chat)
    a.send({ type: 'text', id: 'n1', body: 'hello through nginx' })
    expect((await b.next('text')).body).toBe('hello through nginx')
    expect((await a.next('delivered')).id).toBe('n1')
    b.send({ type: 'text', id: 'n2', body: 'and back' })
    expect((await a.next('text')).body).toBe('and back')

    const { secrets, hub } = app.services
    expect(hub.session(b.session)?.ipHash).toBe(secrets.hashIp('::1'))
    expect(hub.session(b.session)?.ipHash).not.toBe(secrets.hashIp('203.0.113.9'))
    expect(hub.session(a.session)?.ipHash).toBe(secrets.hashIp('127.0.0.1'))
    a.close()
    b.close()
  })

  test('/metrics is refused by nginx however it is spelled, and served on the app port', async () => {
    for (const path of ['/metrics', '//metrics', '/metrics?x=1', '/%6Detrics', '/metrics/', '/./metrics']) {
      const r = await get(path)
      expect({ path, status: r.status }).toEqual({ path, status: 403 })
      expect(await r.text()).not.toContain('leetchat_')
    }
    const direct = await fetch(app.url + '/metrics')
    expect(direct.status).toBe(200)
    expect(await direct.text()).toContain('# TYPE leetchat_connections gauge')
  })

  test('nginx serves hashed assets (a year, immutable) and plain files (revalidated) from disk; pages and the service worker come from the app, no-cache', async () => {
    const asset = await get('/assets/app-3f9a1c.js')
    expect(asset.status).toBe(200)
    expect(await asset.text()).toContain('disk')
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    for (const path of ['/manifest.webmanifest', '/manifest.pt-BR.webmanifest', '/icon-192.png']) {
      const r = await get(path)
      expect({ path, status: r.status, cache: r.headers.get('cache-control') }).toEqual({ path, status: 200, cache: 'no-cache' })
    }
    const manifest = await get('/manifest.webmanifest')
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json')
    expect(await manifest.json()).toMatchObject({ who: 'disk' })
    // Each locale's manifest too (pwa/vite-shell.ts), with the manifest type Debian's mime.types lacks.
    const localized = await get('/manifest.pt-BR.webmanifest')
    expect(localized.headers.get('content-type')).toBe('application/manifest+json')
    expect(await localized.json()).toMatchObject({ lang: 'pt-BR', who: 'disk' })
    // Documents and the worker get the app's headers (its security headers, when it sets them).
    for (const path of ['/', '/index.html', '/sw.js', '/some/client/route']) {
      const r = await get(path, { headers: { accept: 'text/html' } })
      expect({ path, status: r.status, cache: r.headers.get('cache-control'), by: (await r.text()).includes('app') }).toEqual({ path, status: 200, cache: 'no-cache', by: true })
    }
    // HSTS once, whoever answered.
    for (const path of ['/', '/assets/app-3f9a1c.js', '/healthz']) expect((await get(path)).headers.get('strict-transport-security')).toBe('max-age=31536000')
    // The build's .gz copy goes to clients that accept gzip (gzip_static), with Vary.
    const gz = await get('/assets/app-3f9a1c.js', { headers: { 'accept-encoding': 'gzip' }, decompress: false } as RequestInit)
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(gz.headers.get('vary')).toContain('Accept-Encoding')
    expect(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString()).toContain('disk')
    // A missing hashed asset is a 404, not the app shell.
    expect((await get('/assets/missing-000000.js')).status).toBe(404)
  })

  test('a body over client_max_body_size is refused by nginx with 413 before the app sees it', async () => {
    const before = app.services.metrics.value('http_requests_total', { route: 'upload', status: '413' })
    const tooBig = new Uint8Array(CAP + 1)
    const declared = await get('/upload/some-ticket', { method: 'PUT', body: tooBig })
    expect(declared.status).toBe(413)
    expect(await declared.text()).toContain('nginx')
    // Without a Content-Length (chunked), nginx counts the bytes as they come.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(CAP / 4))
        c.close()
      },
    })
    const chunked = await get('/upload/some-ticket', { method: 'PUT', body: stream, duplex: 'half' } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(app.services.metrics.value('http_requests_total', { route: 'upload', status: '413' })).toBe(before)
  })

  test('an upload of exactly the cap goes over https:// through nginx and reaches both sides of the wss:// chat', async () => {
    const { a, b } = await pairThroughNginx()
    const bytes = pngOf(CAP)
    const t = await ticket(a.session, bytes.length)
    expect(t.maxBytes).toBe(CAP)
    const put = await get(t.uploadUrl, { method: 'PUT', body: bytes, headers: { authorization: `Bearer ${a.session}`, origin: base } })
    expect(put.status).toBe(201)
    const [mine, theirs] = await Promise.all([a.next('media'), b.next('media')])
    expect(mine.media.id).toBe(theirs.media.id)
    expect(theirs).toMatchObject({ from: 'stranger', media: { kind: 'image', mime: 'image/png', size: CAP } })
    const file = await get(theirs.media.url)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/png')
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes)
    a.close()
    b.close()
  })

  test('the app enforces the same cap on its own (nginx bypassed or misconfigured): 413 too_large, nothing relayed', async () => {
    const { a, b } = await pairThroughNginx()
    const auth = { authorization: `Bearer ${a.session}` }
    const declared = await fetch(app.url + (await ticket(a.session, CAP)).uploadUrl, { method: 'PUT', body: pngOf(CAP + 1), headers: auth })
    expect(declared.status).toBe(413)
    expect(await declared.json()).toMatchObject({ error: { code: 'too_large' } })
    // A stream that never says its length is counted while it arrives.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(pngOf(CAP / 2))
        c.enqueue(new Uint8Array(CAP / 2 + 1))
        c.close()
      },
    })
    const chunked = await fetch(app.url + (await ticket(a.session, CAP)).uploadUrl, { method: 'PUT', body: stream, duplex: 'half', headers: auth } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(await chunked.json()).toMatchObject({ error: { code: 'too_large' } })
    expect(await b.nothing('media', 100)).toBe(true)
    a.close()
    b.close()
  })

  test("nginx's access log has no client addresses and no query strings", async () => {
    await get('/healthz?sig=SECRET-SIGNATURE&exp=1')
    await Bun.sleep(50)
    const log = readFileSync(accessLog, 'utf8')
    expect(log).toContain('"GET /healthz HTTP/')
    // Earlier tests fetched signed media links (?exp=&sig=) through nginx.
    expect(log).toMatch(/"GET \/media\/[^ ?]+ HTTP/)
    expect(log).not.toContain('SECRET-SIGNATURE')
    expect(log).not.toMatch(/\?|sig=|exp=|resume=/)
    expect(log).not.toContain('127.0.0.1')
    expect(log).not.toContain('::1')
  })
})

describe('nginx in front of several nodes (UPSTREAMS)', () => {
  const render = (env: Record<string, string>) =>
    renderNginxConfig(valuesFromConfig(loadConfig({ PUBLIC_URL: 'https://chat.example.com', HOST: '127.0.0.1', PORT: '3000', ...env })))
  const serverLines = (site: string) =>
    site
      .split('\n')
      .filter(l => /^\s*server\s+\S+:\d+/.test(l))
      .map(l => l.trim())

  test('one server line per node from UPSTREAMS, else the single HOST:PORT; least_conn, no sticky sessions', () => {
    expect(serverLines(render({}))).toEqual(['server 127.0.0.1:3000 max_fails=1 fail_timeout=5s;'])
    const site = render({ UPSTREAMS: '127.0.0.1:3000,127.0.0.1:3001,[::1]:3002' })
    expect(serverLines(site)).toEqual([
      'server 127.0.0.1:3000 max_fails=1 fail_timeout=5s;',
      'server 127.0.0.1:3001 max_fails=1 fail_timeout=5s;',
      'server [::1]:3002 max_fails=1 fail_timeout=5s;',
    ])
    expect(site).toMatch(/upstream leetchat_app \{\s*least_conn;/)
    expect(site).not.toMatch(/^\s*(ip_hash|hash|sticky)\b/m)
    // The --upstream flag takes a list too; an empty item or a list where one value belongs is refused.
    expect(serverLines(renderNginxConfig(valuesFromConfig(loadConfig({ PUBLIC_URL: 'https://chat.example.com' }), { UPSTREAM: '10.0.0.1:3000,10.0.0.2:3000' })))).toHaveLength(2)
    expect(() => renderNginxConfig(valuesFromConfig(loadConfig({ PUBLIC_URL: 'https://chat.example.com' }), { UPSTREAM: '10.0.0.1:3000,,x:1' }))).toThrow('empty item')
    expect(() => renderNginxConfig(valuesFromConfig(loadConfig({ PUBLIC_URL: 'https://chat.example.com' }), { WS_PATH: '/a,/b' }))).toThrow('single value')
  })

  test('requests reach every node, and keep being served when one node is gone', async () => {
    const d = join(dir, 'two-nodes')
    mkdirSync(d, { recursive: true })
    const port = await freePort()
    const origin = `https://127.0.0.1:${port}`
    const nodes = [
      await startTestApp({ PUBLIC_URL: origin, ALLOWED_ORIGINS: origin, TRUSTED_PROXIES: '127.0.0.1' }, { staticRoot: fakeDist(join(d, 'n1'), 'node-one') }),
      await startTestApp({ PUBLIC_URL: origin, ALLOWED_ORIGINS: origin, TRUSTED_PROXIES: '127.0.0.1' }, { staticRoot: fakeDist(join(d, 'n2'), 'node-two') }),
    ]
    let proxy: Nginx | null = null
    try {
      const upstreams = nodes.map(n => `127.0.0.1:${n.server.port}`).join(',')
      const config = loadConfig({ ...nodes[0]!.env, PORT: String(nodes[0]!.server.port), UPSTREAMS: upstreams })
      const site = renderNginxConfig(
        valuesFromConfig(config, {
          HTTP_LISTEN: `127.0.0.1:${await freePort()}`,
          HTTP_LISTEN6: `[::1]:${await freePort()}`,
          HTTPS_LISTEN: `127.0.0.1:${port}`,
          HTTPS_LISTEN6: `[::1]:${port}`,
          TLS_CERT: cert.certFile,
          TLS_KEY: cert.keyFile,
          ACME_ROOT: join(d, 'acme'),
          APP_ROOT: join(d, 'no-dist'),
          ACCESS_LOG: join(d, 'access.log'),
        }),
      )
      proxy = await startNginx({ dir: d, site, waitFor: { host: '127.0.0.1', port } })
      // The page comes from the app (never from disk): its title says which node served it.
      const who = async () => {
        const r = await fetch(origin + '/', { headers: { accept: 'text/html' }, tls: { ca: cert.ca } } as RequestInit)
        return { status: r.status, node: (await r.text()).match(/leetChat (node-\w+)/)?.[1] }
      }
      const seen = new Set<string | undefined>()
      for (let k = 0; k < 10; k++) seen.add((await who()).node)
      expect([...seen].sort()).toEqual(['node-one', 'node-two'])

      await nodes[1]!.close()
      for (let k = 0; k < 6; k++) expect(await who()).toEqual({ status: 200, node: 'node-one' })
    } finally {
      await proxy?.stop()
      for (const n of nodes) await n.close()
    }
  })
})
