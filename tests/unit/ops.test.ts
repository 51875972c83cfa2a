// Pure pieces of the operations kit: rendering the nginx template from the app's settings, the
// systemd unit's stop timeout against the app's, the drain tracker, the access log's path scrub.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Hono } from 'hono'
import { loadConfig } from '../../api/config'
import { loggablePath, routeOf } from '../../api/ops/access-log'
import { createDrain } from '../../api/ops/drain'
import { nginxSize, renderNginxConfig, upstreamOf, valuesFromConfig } from '../../ops/nginx/render'
import { parseEnvFile } from '../../ops/render-cli'

const ROOT = resolve(import.meta.dir, '../..')
const render = (env: Record<string, string>) => renderNginxConfig(valuesFromConfig(loadConfig(env)))
/** The rendered config without comments, for placeholder and directive checks. */
const code = (conf: string) =>
  conf
    .split('\n')
    .map(l => l.replace(/#.*$/, ''))
    .join('\n')

describe('nginx template', () => {
  test('upload cap in nginx size units, exactly equal to MAX_UPLOAD_BYTES', () => {
    expect(nginxSize(1_048_576)).toBe('1m')
    expect(nginxSize(3 * 1_048_576)).toBe('3m')
    expect(nginxSize(65_536)).toBe('64k')
    expect(nginxSize(1000)).toBe('1000')
  })

  test("the app's env file decides server name, redirect, upstream, WebSocket path and body cap", () => {
    const conf = render({ PUBLIC_URL: 'https://chat.example.com', HOST: '127.0.0.1', PORT: '3100', WS_PATH: '/ws', MAX_UPLOAD_BYTES: '2097152' })
    const c = code(conf)
    expect(c).not.toMatch(/@[A-Z0-9_]+@/)
    expect(c).toContain('server_name chat.example.com;')
    expect(c).toContain('return 301 https://chat.example.com$request_uri;')
    expect(c).toContain('server 127.0.0.1:3100 max_fails=1 fail_timeout=5s;')
    expect(c).toContain('location = /ws {')
    expect(c).toContain('client_max_body_size 2m;')
    expect(c).toContain('listen 443 ssl http2;')
    expect(c).toContain('ssl_certificate     /etc/letsencrypt/live/chat.example.com/fullchain.pem;')
    expect(c).toMatch(/location = \/ws \{[^}]*proxy_set_header Upgrade \$http_upgrade;[^}]*proxy_read_timeout 1h;/)
    expect(c).toMatch(/location \^~ \/metrics \{\s*deny all;\s*\}/)
  })

  test('defaults: 1m cap, /chat, a wildcard HOST proxied on loopback, a port in PUBLIC_URL becomes the TLS port', () => {
    const c = code(render({ PUBLIC_URL: 'https://chat.example.com:8443' }))
    expect(c).toContain('client_max_body_size 1m;')
    expect(c).toContain('location = /chat {')
    expect(c).toContain('server 127.0.0.1:3000 max_fails=1 fail_timeout=5s;')
    expect(c).toContain('listen 8443 ssl http2;')
    expect(c).toContain('listen [::]:8443 ssl http2;')
    expect(upstreamOf({ host: '::', port: 3000 })).toBe('[::1]:3000')
  })

  test('refuses what would make a broken or unsafe config', () => {
    expect(() => render({ PUBLIC_URL: 'http://chat.example.com' })).toThrow(/PUBLIC_URL must be https/)
    expect(() => render({ PUBLIC_URL: 'https://chat.example.com', PORT: '0' })).toThrow(/PORT/)
    const v = valuesFromConfig(loadConfig({ PUBLIC_URL: 'https://chat.example.com' }))
    expect(() => renderNginxConfig({ ...v, TLS_CERT: '/x; include /etc/passwd' })).toThrow(/TLS_CERT/)
    expect(() => renderNginxConfig(v, 'server { listen @NOPE@; }')).toThrow(/@NOPE@/)
  })

  test('reads env files the way systemd does: comments, blank lines, quotes', () => {
    expect(parseEnvFile('# c\n\nPUBLIC_URL="https://a.example"\nexport PORT=3001\n; other\nSECRET=\'x y\'\n')).toEqual({
      PUBLIC_URL: 'https://a.example',
      PORT: '3001',
      SECRET: 'x y',
    })
  })
})

describe('systemd unit', () => {
  const unit = readFileSync(resolve(ROOT, 'ops/systemd/leetchat.service'), 'utf8')
  const setting = (k: string) => unit.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1]

  test('runs `bun run start` as an unprivileged user with the env file, restarts on failure', () => {
    expect(setting('ExecStart')).toEndWith('node_modules/.bin/bun run start')
    expect(setting('User')).toBe('leetchat')
    expect(setting('EnvironmentFile')).toBe('/etc/leetchat/leetchat.env')
    expect(setting('Restart')).toBe('on-failure')
    expect(setting('StateDirectory')).toBe('leetchat')
    for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp']) expect(setting(k)).toBe('true')
    expect(setting('ProtectSystem')).toBe('strict')
  })

  test('gives the drain more time than the app allows itself', () => {
    expect(setting('KillSignal')).toBe('SIGTERM')
    expect(Number(setting('TimeoutStopSec')) * 1000).toBeGreaterThan(loadConfig({}).shutdownTimeoutMs)
  })
})

describe('drain', () => {
  test('idle() resolves at once when nothing runs, waits for a tracked request, and gives up after its bound', async () => {
    const drain = createDrain()
    expect(await drain.idle(10)).toBe(true)
    let finish!: () => void
    const app = new Hono()
    app.use('/upload/*', drain.middleware)
    app.put('/upload/:t', async c => {
      await new Promise<void>(r => (finish = r))
      return c.json({ ok: true }, 201)
    })
    const req = app.request('/upload/x', { method: 'PUT' })
    await Bun.sleep(1)
    expect(drain.inFlight).toBe(1)
    drain.begin()
    expect(await drain.idle(20)).toBe(false)
    const waiting = drain.idle(1000)
    // New ones are refused while draining; the running one still completes.
    const refused = await app.request('/upload/y', { method: 'PUT' })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toMatchObject({ error: { code: 'shutting_down' } })
    finish()
    expect((await req).status).toBe(201)
    expect(await waiting).toBe(true)
    expect(drain.inFlight).toBe(0)
  })
})

describe('access log paths', () => {
  test('upload tickets never reach the log, long paths are cut, routes are a small fixed set', () => {
    expect(loggablePath('/upload/Zx9-secret-ticket')).toBe('/upload/:ticket')
    expect(loggablePath('/media/abc')).toBe('/media/abc')
    expect(loggablePath('/' + 'a'.repeat(500)).length).toBeLessThanOrEqual(201)
    expect(['/chat', '/trpc/media.ticket', '/upload/x', '/media/y', '/healthz', '/readyz', '/metrics', '/assets/x.js', '/anything'].map(p => routeOf(p, '/chat'))).toEqual([
      'chat',
      'trpc',
      'upload',
      'media',
      'healthz',
      'readyz',
      'metrics',
      'static',
      'static',
    ])
  })
})

describe('ops/README.md', () => {
  test('documents every metric the app exports', async () => {
    const { COUNTERS, GAUGES } = await import('../../api/ops/catalog')
    const readme = readFileSync(resolve(ROOT, 'ops/README.md'), 'utf8')
    const missing = [...Object.keys(COUNTERS), ...Object.keys(GAUGES)].filter(n => !readme.includes('`leetchat_' + n + '`'))
    expect(missing).toEqual([])
  })
})

describe('limitConcurrency', () => {
  test('never runs more than n jobs at once, and runs every job in order', async () => {
    const { limitConcurrency } = await import('../../api/chat/concurrency')
    const run = limitConcurrency(3)
    let active = 0
    let peak = 0
    const started: number[] = []
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run(async () => {
          started.push(i)
          peak = Math.max(peak, ++active)
          await Bun.sleep(1 + (i % 3))
          active--
          if (i === 7) throw new Error('job 7 fails')
          return i
        }).catch(() => -1),
      ),
    )
    expect(peak).toBe(3)
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(results.filter(r => r === -1)).toHaveLength(1)
  })
})
