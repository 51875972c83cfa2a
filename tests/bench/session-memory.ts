// `bun tests/bench/session-memory.ts`: how much heap a session holds while it waits out the resume
// window after a busy chat. Deterministic where the soak is not: PAIRS pairs (256), every client
// sends exactly TEXTS texts (300) with one in flight, acks every 64 frames as the relay bench does,
// then closes with 1000 (or, with CLOSE=drop, 4000: a lost connection). The heap is read from
// inside the app (GET /debug/heap, full GC first) before the load and while all those sessions
// are still held. Prints figures; asserts nothing.
import { open, type BenchSocket } from './clients'
import { startApp } from './servers'

const PAIRS = Number(process.env.PAIRS ?? 256)
const TEXTS = Number(process.env.TEXTS ?? 300)
// CLOSE=drop: the sockets close as a lost network would (4000, not a goodbye), so every session
// is held with its chat and unacknowledged frames for a resume.
const DROP = process.env.CLOSE === 'drop'
const ACK_EVERY = 64
const MB = (b: number) => (b / 2 ** 20).toFixed(1)

interface Heap {
  heapBytes: number
  extraMemoryBytes: number
  rssBytes: number
  malloc: { inUseBytes: number } | null
  objectTypeCounts: Record<string, number>
}

// A window far longer than the run, and no reclaim: every session is still held when measured.
const app = await startApp({ RESUME_WINDOW_MS: '600000', DEBUG_HEAP_ENDPOINT: 'true', MEMORY_RECLAIM_DROP: '0' })
const heap = async (): Promise<Heap> => (await fetch(`${app.origin}/debug/heap?gc=1&top=9999`)).json() as Promise<Heap>

async function pair(k: number): Promise<[BenchSocket, BenchSocket]> {
  const headers = { Origin: app.origin }
  const [x, y] = await Promise.all([open(app.url, headers), open(app.url, headers)])
  await Promise.all([x.waitFor('{"type":"hello"'), y.waitFor('{"type":"hello"')])
  const topic = `held-${k}-${Math.random().toString(36).slice(2, 8)}`
  x.ws.send(JSON.stringify({ type: 'find', interests: [topic], random: false }))
  await x.waitFor('{"type":"queued"')
  y.ws.send(JSON.stringify({ type: 'find', interests: [topic], random: false }))
  await Promise.all([x.waitFor('{"type":"matched"'), y.waitFor('{"type":"matched"')])
  return [x, y]
}

/** Sends TEXTS texts, the next one when the last was delivered; acks now and then. */
function chat(me: BenchSocket): Promise<void> {
  return new Promise(resolve => {
    let sent = 0
    let frames = 0
    const next = () => (sent < TEXTS ? me.ws.send(`{"type":"text","id":"m${++sent}","body":"hi stranger, how is it going today?"}`) : resolve())
    me.onFrame = data => {
      if (++frames % ACK_EVERY === 0) {
        const seq = (JSON.parse(data) as { seq?: number }).seq
        if (typeof seq === 'number') me.ws.send(`{"type":"ack","seq":${seq}}`)
      }
      if (data.startsWith('{"type":"delivered"')) next()
    }
    next()
  })
}

try {
  await Bun.sleep(500)
  const before = await heap()
  const pairs: Array<[BenchSocket, BenchSocket]> = []
  for (let k = 0; k < PAIRS; k++) pairs.push(await pair(k))
  await Promise.all(pairs.flatMap(([x, y]) => [chat(x), chat(y)]))
  await Bun.sleep(300)
  for (const [x, y] of pairs) for (const s of [x, y]) s.ws.close(DROP ? 4000 : 1000)
  await Bun.sleep(1000)
  const after = await heap()
  const n = PAIRS * 2
  const held = after.heapBytes - before.heapBytes + (after.extraMemoryBytes - before.extraMemoryBytes)
  console.log(`${n} sessions, each sent and received ${TEXTS} texts, closed with ${DROP ? '4000 (dropped)' : '1000 (goodbye)'}, all still inside the resume window:`)
  console.log(
    `  JS heap ${MB(before.heapBytes)} → ${MB(after.heapBytes)} MB, extra ${MB(before.extraMemoryBytes)} → ${MB(after.extraMemoryBytes)} MB, malloc in use ${MB(before.malloc?.inUseBytes ?? NaN)} → ${MB(after.malloc?.inUseBytes ?? NaN)} MB, RSS ${MB(before.rssBytes)} → ${MB(after.rssBytes)} MB`,
  )
  console.log(`  held per session: ${(held / n / 1024).toFixed(1)} KB (heap + extra, transcripts of the ${PAIRS} chats included)`)
  const grown = Object.entries(after.objectTypeCounts)
    .map(([t, c]) => [t, c - (before.objectTypeCounts[t] ?? 0)] as const)
    .filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
  console.log(`  objects grown: ${grown.map(([t, d]) => `${t} +${d}`).join(', ')}`)
} finally {
  await app.stop()
}
