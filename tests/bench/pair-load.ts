// Load generator (own process): time-to-pair. `waiting` strangers wait on interests nobody else
// has (they stay in the queue throughout), `joins` more wait on interests of their own, then
// `joins` newcomers arrive one after the other, each sharing an interest with one of those.
// Time-to-pair is from a newcomer's `find` to its `matched`.
import { args, openMany, type BenchSocket } from './clients'
import { percentile } from './stats'

interface Args {
  url: string
  waiting: number
  joins: number
  origin?: string
}

const a = args<Args>()
const headers = a.origin ? { Origin: a.origin } : undefined
const run = Math.random().toString(36).slice(2, 8)
const hello = (s: BenchSocket) => s.waitFor('{"type":"hello"')
const waitOn = (topic: (i: number) => string) => {
  let i = 0
  return async (s: BenchSocket) => {
    await hello(s)
    s.ws.send(JSON.stringify({ type: 'find', interests: [topic(i++)], random: false }))
    await s.waitFor('{"type":"queued"')
  }
}

const noise = await openMany(
  a.waiting,
  a.url,
  100,
  headers,
  waitOn(i => `noise-${run}-${i}`),
)
const targets = await openMany(
  a.joins,
  a.url,
  100,
  headers,
  waitOn(i => `pair-${run}-${i}`),
)
const joiners = await openMany(a.joins, a.url, 100, headers, hello)

const times: number[] = []
for (let i = 0; i < a.joins; i++) {
  const j = joiners[i]!
  const matched = j.waitFor('{"type":"matched"')
  const t = performance.now()
  j.ws.send(JSON.stringify({ type: 'find', interests: [`pair-${run}-${i}`], random: false }))
  await matched
  times.push(performance.now() - t)
}
times.sort((x, y) => x - y)
console.log(JSON.stringify({ waiting: a.waiting, joins: a.joins, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times[times.length - 1] }))
for (const s of [...noise, ...targets, ...joiners]) s.ws.close(1000)
await Bun.sleep(200)
process.exit(0)
