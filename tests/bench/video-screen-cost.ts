// Video screening cost on the viewer's device, in headless Chromium without a GPU: the built app's
// own screening worker (pwa/dist/assets/video-screen-<hash>.js: nsfwjs MobileNetV2 on
// TensorFlow.js, wasm backend) loaded in a page of the app, fed the way pwa/src/lib/video-screen.ts
// feeds it: a frame of a playing <video> (here the fake camera, locally: no call, no TURN, so the
// figure is the screen's alone) grabbed with createImageBitmap at 224×224 and transferred.
//   - model load: worker start → 'ready' (fetch from the local server, compile, warm-up inference);
//   - per checked frame: grab → score back, and the worker's own part, p50/p99 over N frames
//     (one after another, as fast as they answer: the product checks one every 1.5 s).
// Also prints the gzip sizes of the lazy screening assets and the initial JS.
// Usage: bun tests/bench/video-screen-cost.ts [frames=50]   (needs `npm run build` first)
import { chromium } from '@playwright/test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ROOT, startApp } from './servers'
import { percentile } from './stats'

const frames = Number(process.argv[2] ?? 50)
const DIST = join(ROOT, 'pwa/dist')
if (!existsSync(join(DIST, 'index.html'))) {
  console.error('pwa/dist is missing: run `npm run build` first')
  process.exit(1)
}
const assets = join(DIST, 'assets')
const worker = readdirSync(assets).find(f => /^video-screen-[A-Za-z0-9_-]{8}\.js$/.test(f))
if (!worker) {
  console.error('no video-screen worker in pwa/dist/assets')
  process.exit(1)
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
]

interface Result {
  load: { ms: number; backend: string; workerMs: number } | { error: string }
  checks: Array<{ ms: number; workerMs: number; score: number }>
}

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`

const app = await startApp({ NODE_ENV: 'production' })
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS })
let r: Result
try {
  const page = await browser.newPage({ baseURL: app.origin })
  await page.goto('/')
  r = await page.evaluate(
    async ({ url, n }) => {
      type Msg = { type: string; [k: string]: unknown }
      const wk = new Worker(url, { type: 'module' })
      const next = () => new Promise<Msg>(res => ((wk.onmessage = e => res(e.data as Msg)), (wk.onerror = e => res({ type: 'failed', error: e.message }))))
      const t0 = performance.now()
      wk.postMessage({ type: 'load' })
      const ready = await next()
      if (ready.type !== 'ready') return { load: { error: String(ready.error) }, checks: [] }
      const load = { ms: performance.now() - t0, backend: String(ready.backend), workerMs: Number(ready.loadMs) }
      const video = document.createElement('video')
      video.muted = true
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } })
      await video.play()
      const checks = []
      for (let id = 0; id < n; id++) {
        const s = performance.now()
        const frame = await createImageBitmap(video, { resizeWidth: 224, resizeHeight: 224, resizeQuality: 'medium' })
        wk.postMessage({ type: 'check', id, frame }, [frame])
        const m = await next()
        if (m.type !== 'score') return { load, checks, error: String(m.error) }
        checks.push({ ms: performance.now() - s, workerMs: Number(m.ms), score: Number(m.score) })
      }
      wk.terminate()
      return { load, checks }
    },
    { url: `/assets/${worker}`, n: frames },
  )
} finally {
  await browser.close()
  await app.stop()
}

const wall = r.checks.map(c => c.ms).sort((x, y) => x - y)
const inWorker = r.checks.map(c => c.workerMs).sort((x, y) => x - y)
console.log(
  `video screening cost (viewer side, headless Chromium, no GPU), load average ${loadavg()
    .map(l => l.toFixed(2))
    .join(' ')}`,
)
if ('error' in r.load) console.log(`model load failed: ${r.load.error}`)
else console.log(`model load: ${r.load.ms.toFixed(0)} ms wall (worker ${r.load.workerMs.toFixed(0)} ms), backend ${r.load.backend}`)
if (wall.length) {
  console.log(
    `per checked frame over ${wall.length} frames: grab → score p50 ${percentile(wall, 50).toFixed(1)} ms, p99 ${percentile(wall, 99).toFixed(1)} ms; in the worker p50 ${percentile(inWorker, 50).toFixed(1)} ms, p99 ${percentile(inWorker, 99).toFixed(1)} ms`,
  )
  console.log(`highest score of the fake camera's picture: ${Math.max(...r.checks.map(c => c.score)).toFixed(3)} (threshold 0.7)`)
}
const html = readFileSync(join(DIST, 'index.html'), 'utf8')
const initial = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map(x => x[1]!)
console.log(`initial JS gzip: ${kib(initial.reduce((s, f) => s + gz(join(DIST, f)), 0))}`)
const lazy = readdirSync(assets).filter(f => f.startsWith('video-') && /\.(js|wasm)$/.test(f))
let total = 0
for (const f of lazy) {
  const size = gz(join(assets, f))
  total += size
  console.log(`lazy ${f}: ${kib(readFileSync(join(assets, f)).length)} raw, ${kib(size)} gzip`)
}
// One page fetches one of the three .wasm builds (SIMD in current browsers).
console.log(`lazy video-* assets in all: ${kib(total)} gzip (one of the three .wasm files is fetched)`)
