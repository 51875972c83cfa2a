// Upload latency: time from asking for a ticket to the partner's `media` frame, against a real
// server process on loopback (SQLite + in-process cache unless DATABASE_URL / MEMCACHED_SERVERS
// are set in the environment), with image screening on (the default) and off. Then the image
// classifier alone (api/media/screen.ts and its worker, as the server runs them): time per image,
// model load time, and what the worker costs in resident memory.
//
//   node_modules/.bin/bun tests/bench/upload.ts [runs=50]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'
import { createImageScreen } from '../../api/media/screen'
import { TestClient, pair } from '../support/ws-client'
import * as files from '../support/media-files'
import * as images from '../support/images'
import { rssBytes } from './proc'
import { percentile } from './stats'

const RUNS = Number(process.argv[2] ?? 50)
const SIZE = 1_000_000 // "1 MB", under the default 1 MiB cap
const MB = (n: number) => (n / 1048576).toFixed(0)

interface Server {
  url: string
  pid: number
  stop(): Promise<void>
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-bench-'))
  const server = Bun.spawn([process.execPath, resolve(import.meta.dir, '../../api/main.ts')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', RATE_TICKETS_PER_MINUTE: '100000', POW_MODE: 'off', ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = server.stdout.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error('server exited before listening')
    buffered += decoder.decode(value)
    const line = buffered.split('\n').find(l => l.startsWith('{') && l.includes('"msg":"listening"'))
    if (!line) continue
    // Keep draining the pipe: the server's later log lines need a reader.
    void (async () => {
      while (!(await reader.read()).done) {
        // discard
      }
    })()
    return {
      url: JSON.parse(line).url as string,
      pid: server.pid,
      async stop() {
        server.kill('SIGTERM')
        await server.exited
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  }
}

type Case = [label: string, kind: string, mime: string, bytes: Uint8Array]
interface Target {
  url: string
  a: TestClient
  b: TestClient
}

/** Ticket → PUT → partner's media frame, once; ms. */
async function uploadOnce({ url, a, b }: Target, [, kind, mime, bytes]: Case): Promise<number> {
  const t0 = performance.now()
  const ticketRes = await fetch(`${url}/trpc/media.ticket`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${a.session}` },
    body: JSON.stringify({ kind, mime, size: bytes.length, name: 'bench' }),
  })
  const ticket = (await ticketRes.json()) as { result?: { data: { uploadUrl: string } }; error?: unknown }
  if (!ticket.result) throw new Error(`ticket refused: ${JSON.stringify(ticket.error)}`)
  const put = await fetch(new URL(ticket.result.data.uploadUrl, url), { method: 'PUT', headers: { authorization: `Bearer ${a.session}` }, body: bytes as Uint8Array<ArrayBuffer> })
  if (put.status !== 201) throw new Error(`upload failed: ${put.status} ${await put.text()}`)
  await b.next('media', 10_000)
  const ms = performance.now() - t0
  await put.arrayBuffer()
  return ms
}

const line = (sorted: number[]) => `p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms  max ${sorted.at(-1)!.toFixed(1)} ms`

const photo = await images.landscapeJpeg(1600, 1200, 5)
const cases: Case[] = [
  ['voice note (WebM/Opus)', 'audio', 'audio/webm;codecs=opus', files.webm({ seconds: 100, bytes: SIZE })],
  // 499 × 500 noisy RGBA pixels: a valid PNG of about 1 MB.
  ['image (PNG, noise)', 'image', 'image/png', files.png(499, 500, true)],
  ['photo (JPEG 1600×1200)', 'image', 'image/jpeg', photo],
]

// Two servers, screening off and on, driven alternately run by run, so both see the same
// machine load (the machine is shared: compare the two columns, not runs with each other).
console.log(`upload bench: ${RUNS} runs per case and server, ticket request → partner's media frame, servers in separate processes`)
const servers = { off: await startServer({ SCREEN_IMAGES: 'off' }), on: await startServer({ SCREEN_IMAGES: 'on' }) }
try {
  const targets = {} as Record<'off' | 'on', Target>
  for (const k of ['off', 'on'] as const) {
    const { a, b } = await pair(() => TestClient.connect(servers[k].url.replace(/^http/, 'ws') + (process.env.WS_PATH ?? '/chat')))
    targets[k] = { url: servers[k].url, a, b }
  }
  const rssBefore = rssBytes(servers.on.pid)
  for (const c of cases) {
    const times = { off: [] as number[], on: [] as number[] }
    // The first runs warm the JIT, the connection pool and (screening on) load the model.
    for (let i = 0; i < RUNS + 3; i++) {
      for (const k of (i % 2 ? ['on', 'off'] : ['off', 'on']) as Array<'off' | 'on'>) {
        const ms = await uploadOnce(targets[k], c)
        if (i >= 3) times[k].push(ms)
      }
    }
    for (const k of ['off', 'on'] as const) times[k].sort((x, y) => x - y)
    const d = (p: number) => (percentile(times.on, p) - percentile(times.off, p)).toFixed(1)
    console.log(`${c[0].padEnd(24)} ${(c[3].length / 1e6).toFixed(2)} MB  screening off: ${line(times.off)}`)
    console.log(
      `${''.padEnd(24)} ${''.padEnd(7)}  screening on:  ${line(times.on)}   (p50 ${Number(d(50)) >= 0 ? '+' : ''}${d(50)} ms, p99 ${Number(d(99)) >= 0 ? '+' : ''}${d(99)} ms)`,
    )
  }
  console.log(
    `server RSS (screening on): ${MB(rssBefore)} MB before the first image, ${MB(rssBytes(servers.on.pid))} MB with the model loaded; screening off: ${MB(rssBytes(servers.off.pid))} MB`,
  )
  for (const t of Object.values(targets)) {
    t.a.close()
    t.b.close()
  }
} finally {
  await Promise.all([servers.off.stop(), servers.on.stop()])
}

// The classifier alone: the same pool and worker the server uses, on ordinary photos of each type.
const dir = mkdtempSync(join(tmpdir(), 'leetchat-bench-screen-'))
try {
  const samples: Array<[string, Uint8Array]> = [
    ['jpg', photo],
    ['jpg', await images.landscapeJpeg(1024, 768, 9)],
    ['png', await images.landscapePng(800, 600, 4)],
    ['png', files.png(499, 500, true)],
    ['webp', await images.landscapeWebp(1200, 900, 6)],
    ['gif', await images.documentGif()],
  ]
  const paths = samples.map(([ext, bytes], i) => {
    const p = join(dir, `s${i}.${ext}`)
    writeFileSync(p, bytes)
    return p
  })
  const rss0 = process.memoryUsage().rss
  const screen = createImageScreen({ threshold: 0.7, timeoutMs: 30_000, log: createLogger('silent'), metrics: createMetrics() })
  const t0 = performance.now()
  const first = await screen.screen(paths[0]!, 'image/jpeg')
  const coldMs = performance.now() - t0
  const wall: number[] = []
  const worker: number[] = []
  const n = Math.max(RUNS * 2, 60)
  let flagged = 0
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    const v = await screen.screen(paths[i % paths.length]!, 'image/*')
    wall.push(performance.now() - t)
    if (v.ms === undefined) throw new Error(`no verdict: ${JSON.stringify(v)}`)
    worker.push(v.ms)
    if (v.flagged) flagged++
  }
  wall.sort((x, y) => x - y)
  worker.sort((x, y) => x - y)
  console.log(`classifier: first image ${coldMs.toFixed(0)} ms (worker start + model load + one image; verdict ${first.flagged ? 'flagged' : 'passed'})`)
  console.log(
    `classifier: per image, ${n} ordinary photos (JPEG/PNG/WebP/GIF, ${flagged} flagged): in the worker (decode + inference) ${line(worker)}; as the upload waits ${line(wall)}`,
  )
  console.log(`classifier: RSS +${MB(process.memoryUsage().rss - rss0)} MB for the worker with the model loaded (this process: ${MB(process.memoryUsage().rss)} MB)`)
  await screen.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
