// Chat latency while images are screened: paced chats (paced-chats.ts, in a process of its own:
// every client sends a text every 10 ms, an open loop like people, not a saturating one) against
// a real server process, first alone, then during a burst of photo uploads (this process, two
// uploaders back to back) that keeps the classifier busy. Prints p50/p99/max of stranger-to-
// stranger latency for both phases, and the uploads' own times. Compare SCREEN_NICE=19 (the
// default) with SCREEN_NICE=0, or with an older checkout; SCREEN_IMAGES=off gives the cost of
// the uploads alone.
//
//   node_modules/.bin/bun tests/bench/screen-latency.ts [pairs=10] [seconds=10]
//   SCREEN_NICE=0 node_modules/.bin/bun tests/bench/screen-latency.ts
import { join } from 'node:path'
import { BUN, ROOT, startApp } from './servers'
import { percentile } from './stats'
import { TestClient, pair } from '../support/ws-client'
import * as images from '../support/images'

const PAIRS = Number(process.argv[2] ?? 10)
const SECONDS = Number(process.argv[3] ?? 10)
const INTERVAL = 10
const UPLOADERS = 2

const server = await startApp({ SCREEN_IMAGES: process.env.SCREEN_IMAGES ?? 'on', RATE_TICKETS_PER_MINUTE: '1000000000', LOG_LEVEL: 'error' })
const headers = { Origin: server.origin }

const photo = await images.landscapeJpeg(1600, 1200, 5)
const wsUrl = server.url
async function uploadOnce(a: TestClient, b: TestClient): Promise<number> {
  const t0 = performance.now()
  const ticket = (await (
    await fetch(`${server.origin}/trpc/media.ticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.session}` },
      body: JSON.stringify({ kind: 'image', mime: 'image/jpeg', size: photo.length, name: 'bench.jpg' }),
    })
  ).json()) as { result: { data: { uploadUrl: string } } }
  const put = await fetch(new URL(ticket.result.data.uploadUrl, server.origin), {
    method: 'PUT',
    headers: { authorization: `Bearer ${a.session}`, Origin: server.origin },
    body: photo,
  })
  if (put.status !== 201) throw new Error(`upload failed: ${put.status} ${await put.text()}`)
  await b.next('media', 30_000)
  return performance.now() - t0
}

const uploaders = await Promise.all(Array.from({ length: UPLOADERS }, () => pair(() => TestClient.connect(wsUrl, headers))))
// Warm: the classifier is started and its model loaded before anything is measured.
await uploadOnce(uploaders[0]!.a, uploaders[0]!.b)

const line = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return `p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms  max ${s.at(-1)!.toFixed(1)} ms  (${s.length} texts)`
}

const chats = Bun.spawn(
  [BUN, join(import.meta.dir, 'paced-chats.ts'), JSON.stringify({ url: server.url, origin: server.origin, pairs: PAIRS, intervalMs: INTERVAL, seconds: 2 * SECONDS + 2 })],
  { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' },
)
const reader = chats.stdout.getReader()
let text = ''
while (!text.includes('ready\n')) {
  const { value, done } = await reader.read()
  if (done) throw new Error('paced-chats exited early')
  text += new TextDecoder().decode(value)
}
await Bun.sleep(1000)
const idleFrom = Date.now()
await Bun.sleep(SECONDS * 1000)
const busyFrom = Date.now()
let uploading = true
const uploadTimes: number[] = []
const loops = uploaders.map(async ({ a, b }) => {
  while (uploading) uploadTimes.push(await uploadOnce(a, b))
})
await Bun.sleep(SECONDS * 1000)
const busyTo = Date.now()
uploading = false
await Promise.all(loops)
for (;;) {
  const { value, done } = await reader.read()
  if (done) break
  text += new TextDecoder().decode(value)
}
await chats.exited
const all = JSON.parse(text.trim().split('\n').pop()!) as Array<[number, number]>
const idle = all.filter(([t]) => t >= idleFrom && t < busyFrom).map(([, ms]) => ms)
const busy = all.filter(([t]) => t >= busyFrom && t < busyTo).map(([, ms]) => ms)

console.log(`chat latency, ${PAIRS} pairs, a text every ${INTERVAL} ms from each side; SCREEN_NICE=${process.env.SCREEN_NICE ?? '(default)'}`)
console.log(`  no uploads:                         ${line(idle)}`)
console.log(`  ${UPLOADERS} uploaders of 1600×1200 photos:     ${line(busy)}`)
console.log(`  uploads during the burst: ${uploadTimes.length}, ${line(uploadTimes).replace(/\(.*\)/, '')}`)
await server.stop()
process.exit(0)
