// Load generator (own process): paced chats. `pairs` pairs, each side sending a text every
// `intervalMs` (an open loop, like people typing, not a saturating one), for `seconds`. Prints
// "ready" once every pair is matched, then at the end one JSON line: [sentAt (epoch ms), latency
// (ms)] for every text, so the caller can cut it into its own phases.
import { args, open, type BenchSocket } from './clients'

const a = args<{ url: string; origin: string; pairs: number; intervalMs: number; seconds: number }>()
const headers = { Origin: a.origin }

async function chatPair(k: number): Promise<[BenchSocket, BenchSocket]> {
  const [x, y] = await Promise.all([open(a.url, headers), open(a.url, headers)])
  await Promise.all([x.waitFor('{"type":"hello"'), y.waitFor('{"type":"hello"')])
  const topic = `paced-${k}-${Math.random().toString(36).slice(2, 8)}`
  x.ws.send(JSON.stringify({ type: 'find', interests: [topic], random: false }))
  await x.waitFor('{"type":"queued"')
  y.ws.send(JSON.stringify({ type: 'find', interests: [topic], random: false }))
  await Promise.all([x.waitFor('{"type":"matched"'), y.waitFor('{"type":"matched"')])
  return [x, y]
}

const out: Array<[number, number]> = []
const timers: Array<ReturnType<typeof setInterval>> = []
const pairs = await Promise.all(Array.from({ length: a.pairs }, (_, k) => chatPair(k)))
console.log('ready')
const t0 = performance.now()
for (const [x, y] of pairs) {
  for (const [from, to] of [
    [x, y],
    [y, x],
  ] as const) {
    // Texts arrive in order: the partner's n-th text is the sender's n-th.
    const sentAt: number[] = []
    let n = 0
    to.onFrame = data => {
      if (!data.startsWith('{"type":"text"')) return
      const t = sentAt.shift()
      if (t !== undefined) out.push([performance.timeOrigin + t, performance.now() - t])
    }
    from.onFrame ??= () => {}
    // Spread the clients' ticks over the interval.
    await Bun.sleep(a.intervalMs / (a.pairs * 2))
    timers.push(
      setInterval(() => {
        sentAt.push(performance.now())
        from.ws.send(`{"type":"text","id":"m${++n}","body":"how is it going over there ${n}"}`)
      }, a.intervalMs),
    )
  }
}
await Bun.sleep(a.seconds * 1000 - (performance.now() - t0))
for (const t of timers) clearInterval(t)
await Bun.sleep(200)
console.log(JSON.stringify(out))
process.exit(0)
