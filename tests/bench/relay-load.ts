// Load generator (own process): closed-loop relay over N pairs. Every client keeps exactly one
// message in flight: it sends the next one when its partner has received the last. Prints one
// JSON line: messages relayed per second, stranger-to-stranger latency, server CPU per message.
import { args, open, type BenchSocket, type Kind } from './clients'
import { cpuMicros } from './proc'
import { percentile } from './stats'

interface Args {
  url: string
  kind: Kind
  pairs: number
  warmupMs: number
  measureMs: number
  serverPid: number
  origin?: string
  /** Several nodes of one cluster: pair k puts its two clients on nodes k and k+1 (mod n). */
  urls?: string[]
  /** With urls: both clients of pair k on node k (mod n), so pairs are spread but none crosses nodes. */
  sameNode?: boolean
  /** Every node's pid, for server CPU (default: serverPid). */
  serverPids?: number[]
  /** More pids (the Redis processes) whose CPU in the measured window is reported one by one. */
  otherPids?: number[]
}

const a = args<Args>()
const headers = a.origin ? { Origin: a.origin } : undefined
const TEXT = '{"type":"text"'
const BODY = 'hi stranger, how is it going today?'
const ACK_EVERY = 64 // a real client acknowledges now and then so the server can free its replay buffer

interface Client {
  s: BenchSocket
  partner: Client
  sentAt: number
  n: number
  seqFrames: number
}

async function makePair(k: number): Promise<[BenchSocket, BenchSocket]> {
  if (a.kind !== 'app') {
    // Baselines pair connections in arrival order: open them one after the other.
    const x = await open(a.url, headers)
    const y = await open(a.url, headers)
    return [x, y]
  }
  const urls = a.urls ?? [a.url]
  const [x, y] = await Promise.all([open(urls[k % urls.length]!, headers), open(urls[(k + (a.sameNode ? 0 : 1)) % urls.length]!, headers)])
  await Promise.all([x.waitFor('{"type":"hello"'), y.waitFor('{"type":"hello"')])
  const topic = `bench-${k}-${Math.random().toString(36).slice(2, 8)}`
  x.ws.send(JSON.stringify({ type: 'find', interests: [topic], random: false }))
  await x.waitFor('{"type":"queued"')
  y.ws.send(JSON.stringify({ type: 'find', interests: [topic], random: false }))
  await Promise.all([x.waitFor('{"type":"matched"'), y.waitFor('{"type":"matched"')])
  return [x, y]
}

const sockets: Array<[BenchSocket, BenchSocket]> = []
for (let k = 0; k < a.pairs; k++) sockets.push(await makePair(k))
// Prove the pairing before measuring: each side's first message must reach the other.
for (const [x, y] of sockets) {
  x.ws.send(JSON.stringify({ type: 'text', id: 'probe-x', body: 'probe' }))
  await y.waitFor(TEXT)
  y.ws.send(JSON.stringify({ type: 'text', id: 'probe-y', body: 'probe' }))
  await x.waitFor(TEXT)
}

const clients: Client[] = []
for (const [x, y] of sockets) {
  const cx: Client = { s: x, partner: null as unknown as Client, sentAt: 0, n: 0, seqFrames: 0 }
  const cy: Client = { s: y, partner: cx, sentAt: 0, n: 0, seqFrames: 0 }
  cx.partner = cy
  clients.push(cx, cy)
}

let running = true
let measuring = false
let relayed = 0
const latencies: number[] = []

function sendNext(c: Client) {
  c.sentAt = performance.now()
  c.s.ws.send(`{"type":"text","id":"m${++c.n}","body":"${BODY}"}`)
}

for (const c of clients) {
  c.s.onFrame = data => {
    if (a.kind === 'app' && ++c.seqFrames % ACK_EVERY === 0 && data.includes('"seq":')) {
      const seq = (JSON.parse(data) as { seq?: number }).seq
      if (typeof seq === 'number') c.s.ws.send(`{"type":"ack","seq":${seq}}`)
    }
    if (!data.startsWith(TEXT)) return // delivered receipts
    const sender = c.partner
    if (measuring) {
      relayed++
      latencies.push(performance.now() - sender.sentAt)
    }
    if (running) sendNext(sender)
  }
}

for (const c of clients) sendNext(c)
await Bun.sleep(a.warmupMs)
measuring = true
const pids = a.serverPids ?? [a.serverPid]
const each = [...pids, ...(a.otherPids ?? [])]
const each0 = each.map(cpuMicros)
const cpu0 = each0.slice(0, pids.length).reduce((n, x) => n + x, 0)
const t0 = performance.now()
await Bun.sleep(a.measureMs)
const each1 = each.map(cpuMicros)
const cpu1 = each1.slice(0, pids.length).reduce((n, x) => n + x, 0)
const seconds = (performance.now() - t0) / 1000
measuring = false
running = false
const messages = relayed
await Bun.sleep(100) // let the last messages in flight land before closing
for (const c of clients) c.s.ws.close(1000)

latencies.sort((x, y) => x - y)
console.log(
  JSON.stringify({
    kind: a.kind,
    messages,
    seconds,
    rate: messages / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuUsPerMessage: (cpu1 - cpu0) / messages,
    /** per pid, in the order serverPids then otherPids */
    cpuUsPerMessageByPid: each.map((_, i) => (each1[i]! - each0[i]!) / messages),
    serverCpuShare: (cpu1 - cpu0) / 1e6 / seconds,
  }),
)
process.exit(0)
