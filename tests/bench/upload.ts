// Upload latency: time from asking for a ticket to the partner's `media` frame, for a 1 MB file,
// against a real server process on loopback (SQLite + in-process cache unless DATABASE_URL /
// MEMCACHED_SERVERS are set in the environment). Prints p50/p99/max per file type.
//
//   node_modules/.bin/bun tests/bench/upload.ts [runs=50]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { TestClient, pair } from '../support/ws-client'
import * as files from '../support/media-files'

const RUNS = Number(process.argv[2] ?? 50)
const SIZE = 1_000_000 // "1 MB", under the default 1 MiB cap

const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-bench-'))
const server = Bun.spawn([process.execPath, resolve(import.meta.dir, '../../api/main.ts')], {
  env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', RATE_TICKETS_PER_MINUTE: '100000', POW_MODE: 'off' },
  stdout: 'pipe',
  stderr: 'inherit',
})

async function listeningUrl(): Promise<string> {
  const reader = server.stdout.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error('server exited before listening')
    buffered += decoder.decode(value)
    for (const line of buffered.split('\n')) {
      if (!line.startsWith('{')) continue
      try {
        const rec = JSON.parse(line)
        if (rec.msg !== 'listening') continue
        // Keep draining the pipe: the server's later log lines need a reader.
        void (async () => {
          while (!(await reader.read()).done) {}
        })()
        return rec.url as string
      } catch {
        // a partial line; wait for the rest
      }
    }
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

try {
  const url = await listeningUrl()
  const wsUrl = url.replace(/^http/, 'ws') + (process.env.WS_PATH ?? '/chat')
  const { a, b } = await pair(() => TestClient.connect(wsUrl))
  const cases: Array<[string, string, string, Uint8Array]> = [
    ['voice note (WebM/Opus)', 'audio', 'audio/webm;codecs=opus', files.webm({ seconds: 100, bytes: SIZE })],
    // 499 × 500 noisy RGBA pixels: a valid PNG of about 1 MB.
    ['image (PNG)', 'image', 'image/png', files.png(499, 500, true)],
  ]
  console.log(`upload bench: ${RUNS} runs per case, ticket request → partner's media frame, server ${url} (separate process)`)
  for (const [label, kind, mime, bytes] of cases) {
    const times: number[] = []
    for (let i = 0; i < RUNS + 3; i++) {
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
      if (i >= 3) times.push(ms) // the first runs warm the JIT and the connection pool
    }
    times.sort((x, y) => x - y)
    console.log(`${label.padEnd(24)} ${(bytes.length / 1e6).toFixed(2)} MB  p50 ${percentile(times, 50).toFixed(1)} ms  p99 ${percentile(times, 99).toFixed(1)} ms  max ${times.at(-1)!.toFixed(1)} ms`)
  }
  a.close()
  b.close()
} finally {
  server.kill('SIGTERM')
  await server.exited
  rmSync(dataDir, { recursive: true, force: true })
}
