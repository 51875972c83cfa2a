// Load generator (own process): time-to-pair with languages. `waiting` strangers
// (1,000) wait spread over 12 languages and 100 interests (more for a pool past 1,200), each on a (language, interest) nobody
// else in the pool has, all allowing random strangers; each one that is paired at once sends
// `next`, so the pool stays that size. Then `joins` newcomers arrive one after the other: half
// share an interest with the pool in two languages (one of them a pool member's), half state one
// language and no interests (paired at random within their language at once).
// Time-to-pair is from a newcomer's `find` to its `matched`. Run with a long MATCH_FALLBACK_MS so
// the pool never falls back among itself. Given `urls` (the nodes of a cluster), pool member k and
// newcomer k connect to urls[k % urls.length], so most pairs are made across two nodes.
import { args, openMany, type BenchSocket } from './clients'
import { percentile } from './stats'

interface Args {
  url: string
  /** Several nodes: the sockets are spread over them round-robin. */
  urls?: string[]
  waiting: number
  joins: number
  origin?: string
}

import { interestCount, LANGUAGES, poolCombo } from './pair-languages-load-shape'

const a = args<Args>()
const headers = a.origin ? { Origin: a.origin } : undefined
const run = Math.random().toString(36).slice(2, 8)
const topic = (k: number) => `t${k}-${run}`
/** Pool member i's (language, interest): nobody else in the pool has the same (see the shape module). */
const combo = (i: number) => {
  const { language, interest } = poolCombo(i, a.waiting)
  return { language, interest: topic(interest) }
}
const hello = (s: BenchSocket) => s.waitFor('{"type":"hello"')

/** Resolved when the pool member taken by the last join is back in the queue. */
let rejoined: () => void = () => {}
let i = 0
/** Chats the pool was paired into: one per join, or the pool churned among itself and the figures mean nothing. */
let poolMatched = 0
const pool = await openMany(a.waiting, a.urls ?? a.url, 100, headers, async s => {
  await hello(s)
  const { language, interest } = combo(i++)
  s.ws.send(JSON.stringify({ type: 'find', interests: [interest], random: true, languages: [language] }))
  await s.waitFor('{"type":"queued"')
  // Taken by a newcomer: back into the pool with the same find.
  s.onFrame = data => {
    if (data.startsWith('{"type":"matched"')) {
      poolMatched++
      s.ws.send('{"type":"next"}')
    } else if (data.startsWith('{"type":"queued"')) rejoined()
  }
})
const joiners = await openMany(a.joins, a.urls ?? a.url, 100, headers, hello)

const times: number[] = []
for (let j = 0; j < a.joins; j++) {
  const s = joiners[j]!
  const { language, interest } = combo((j * 7919) % a.waiting)
  const other = LANGUAGES[(LANGUAGES.indexOf(language) + 5) % LANGUAGES.length]!
  const find =
    j % 2
      ? { type: 'find', interests: [], random: true, languages: [language] }
      : { type: 'find', interests: [interest, 'nobody-' + run], random: true, languages: [other, language] }
  const matched = s.waitFor('{"type":"matched"')
  const back = new Promise<void>(r => (rejoined = r))
  const t = performance.now()
  s.ws.send(JSON.stringify(find))
  await matched
  times.push(performance.now() - t)
  // The taken pool member is back before the next join (not timed), so every join sees 1,000.
  await back
}
if (poolMatched !== a.joins) throw new Error(`the pool was paired ${poolMatched} times for ${a.joins} joins: it paired among itself, so these are not times to pair`)
times.sort((x, y) => x - y)
console.log(
  JSON.stringify({
    waiting: a.waiting,
    joins: a.joins,
    languages: LANGUAGES.length,
    interests: interestCount(a.waiting),
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: times[times.length - 1],
  }),
)
for (const s of [...pool, ...joiners]) s.ws.close(1000)
await Bun.sleep(200)
process.exit(0)
