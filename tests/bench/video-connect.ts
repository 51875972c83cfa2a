// Video connect bench: N sequential pairs of real Chromium pages (fake camera) with Video on, media
// relayed by a private loopback coturn. Per side: matched frame → first remote video frame, both
// timed IN the page (performance.now()), and the `rtc` signalling frames sent and received by kind.
// Also prints the initial JS gzip size and the gzip sizes of the lazy video chunks in pwa/dist.
// Usage: bun tests/bench/video-connect.ts [pairs=20]   (needs `npm run build` first)
import { chromium, type Browser } from '@playwright/test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { startTurnServer } from '../support/turnserver'
import { ROOT, startApp } from './servers'
import { percentile } from './stats'

const pairs = Number(process.argv[2] ?? 20)
const DIST = join(ROOT, 'pwa/dist')
if (!existsSync(join(DIST, 'index.html'))) {
  console.error('pwa/dist is missing: run `npm run build` first')
  process.exit(1)
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
]

interface Probe {
  matchedAt?: number
  firstFrameAt?: number
  sent: Record<string, number>
  received: Record<string, number>
}

// Runs in the page before the app: counts rtc frames each way and stamps the matched frame and the
// first frame of the stranger's video with the page's own clock.
function pageProbe() {
  const probe: Probe = { sent: {}, received: {} }
  ;(window as unknown as { __vb: Probe }).__vb = probe
  const Native = window.WebSocket
  const watchVideo = () => {
    const v = document.querySelector<HTMLVideoElement>('video[aria-label="The stranger\'s video"]')
    if (v && v.videoWidth > 0) probe.firstFrameAt = performance.now()
    else requestAnimationFrame(watchVideo)
  }
  class Probed extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      this.addEventListener('message', e => {
        if (typeof e.data !== 'string') return
        const f = JSON.parse(e.data) as { type?: string; kind?: string }
        if (f.type === 'matched' && probe.matchedAt === undefined) {
          probe.matchedAt = performance.now()
          requestAnimationFrame(watchVideo)
        }
        if (f.type === 'rtc') probe.received[f.kind ?? '?'] = (probe.received[f.kind ?? '?'] ?? 0) + 1
      })
    }
    override send(data: Parameters<WebSocket['send']>[0]) {
      if (typeof data === 'string' && data.includes('"rtc"')) {
        const f = JSON.parse(data) as { type?: string; kind?: string }
        if (f.type === 'rtc') probe.sent[f.kind ?? '?'] = (probe.sent[f.kind ?? '?'] ?? 0) + 1
      }
      super.send(data)
    }
  }
  window.WebSocket = Probed
}

async function side(browser: Browser, origin: string, interest: string) {
  const context = await browser.newContext({ baseURL: origin, locale: 'en-US' })
  await context.addInitScript(() => {
    localStorage.setItem('leetchat.rulesAccepted', 'true')
    localStorage.setItem('leetchat.video', 'true')
  })
  await context.addInitScript(pageProbe)
  const page = await context.newPage()
  await page.goto('/')
  await page.getByText(/\d+ online/).waitFor({ timeout: 30_000 })
  const input = page.getByLabel('Your interests')
  await input.fill(interest)
  await input.press('Enter')
  await page.getByRole('switch', { name: /random strangers/ }).setChecked(false)
  await page.getByRole('switch', { name: /^Video/ }).setChecked(true)
  return { context, page }
}

function gz(file: string): number {
  return gzipSync(readFileSync(file), { level: 9 }).length
}

const turn = await startTurnServer()
const app = await startApp({
  NODE_ENV: 'production',
  MATCH_FALLBACK_MS: '1500',
  MAX_CONNECTIONS_PER_IP: '500',
  RATE_TICKETS_PER_MINUTE: '1000',
  RATE_SESSIONS_PER_MINUTE: '100000',
  MAX_SESSIONS_PER_IP: '100000',
  POW_BITS: '16',
  POW_MAX_BITS: '16',
  TRUSTED_PROXIES: 'loopback',
  TURN_URLS: turn.url,
  TURN_SECRET: turn.secret,
})
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS })
const connectMs: number[] = []
const perChat: number[] = []
const byKind: Record<string, number> = {}
let failed = 0
try {
  for (let i = 0; i < pairs; i++) {
    const interest = `vbench-${Date.now().toString(36)}-${i}`
    const a = await side(browser, app.origin, interest)
    const b = await side(browser, app.origin, interest)
    try {
      for (const s of [a, b]) await s.page.getByRole('button', { name: 'Start chatting' }).click()
      const probes: Probe[] = []
      for (const s of [a, b]) {
        await s.page.waitForFunction(() => (window as unknown as { __vb: Probe }).__vb.firstFrameAt !== undefined, null, { timeout: 60_000 })
        probes.push(await s.page.evaluate(() => (window as unknown as { __vb: Probe }).__vb))
      }
      // Let the trailing candidates land before counting.
      await a.page.waitForTimeout(1000)
      let frames = 0
      let got = 0
      for (const [n, s] of [a, b].entries()) {
        const p = await s.page.evaluate(() => (window as unknown as { __vb: Probe }).__vb)
        connectMs.push(probes[n]!.firstFrameAt! - probes[n]!.matchedAt!)
        for (const [k, c] of Object.entries(p.sent)) {
          byKind[k] = (byKind[k] ?? 0) + c
          frames += c
        }
        for (const c of Object.values(p.received)) got += c
      }
      perChat.push(frames)
      // The server forwards every rtc frame: what one side sent, the other received.
      if (got !== frames) console.error(`\npair ${i}: ${frames} rtc frames sent, ${got} received`)
      process.stderr.write('.')
    } catch (err) {
      failed++
      console.error(`\npair ${i} failed: ${(err as Error).message.split('\n')[0]}`)
    } finally {
      await a.context.close()
      await b.context.close()
    }
  }
} finally {
  await browser.close()
  await app.stop()
  await turn.stop()
}

const sorted = [...connectMs].sort((x, y) => x - y)
const done = perChat.length
console.log(
  `\nvideo connect, ${done}/${pairs} pairs (${failed} failed), load average ${(await import('node:os'))
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ')}`,
)
if (sorted.length) {
  console.log(
    `matched → first remote frame over ${sorted.length} sides: p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`,
  )
  const mean = perChat.reduce((s, x) => s + x, 0) / done
  const kinds = Object.entries(byKind).map(([k, c]) => `${k} ${(c / done).toFixed(1)}`)
  console.log(`rtc frames sent per chat (both sides): mean ${mean.toFixed(1)} (${kinds.join(', ')})`)
}
const assets = join(DIST, 'assets')
const html = readFileSync(join(DIST, 'index.html'), 'utf8')
const initial = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map(m => m[1]!)
console.log(`initial JS gzip: ${(initial.reduce((s, f) => s + gz(join(DIST, f)), 0) / 1024).toFixed(1)} KiB (${initial.join(', ')})`)
for (const f of readdirSync(assets).filter(f => /video/i.test(f) && f.endsWith('.js'))) {
  console.log(`lazy ${f}: ${(gz(join(assets, f)) / 1024).toFixed(1)} KiB gzip`)
}
