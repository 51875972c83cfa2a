// `bun run bench`: the chat core's benchmark. Prints figures; asserts nothing.
//
//  1. Relay: closed-loop load over 16 pairs of small text frames against the app and two
//     Bun.serve baselines (a bare forwarder, and the contract floor: delivered + text with seq),
//     interleaved round by round so machine noise hits all three alike.
//  2. Memory: server RSS growth per idle connection over 5,000 connections (app, and the floor
//     for reference).
//  3. Matching: time-to-pair for 1,000 joins while 1,000 strangers wait on other interests.
//  4. Matching by language: the same with 1,000 waiting over 12 languages and 100 interests
//     (pair-languages.ts; alone: `bun run bench:languages`).
//
// Every server and every load generator is its own process; only loopback is used.
// Tunables (env): BENCH_ROUNDS (5), BENCH_PAIRS (16), BENCH_MEASURE_MS (3000), BENCH_WARMUP_MS
// (700), BENCH_IDLE_CONNECTIONS (5000), BENCH_WAITING (1000), BENCH_JOINS (1000).
import { cpus } from 'node:os'
import { median, fmt } from './stats'
import { runLoad, startApp, startBaseline, type RunningServer } from './servers'
import type { Kind } from './clients'
import { benchLanguagePairing, printLanguagePairing } from './pair-languages'

const num = (name: string, def: number) => Number(process.env[name] ?? def)
const ROUNDS = num('BENCH_ROUNDS', 5)
const PAIRS = num('BENCH_PAIRS', 16)
const MEASURE_MS = num('BENCH_MEASURE_MS', 3000)
const WARMUP_MS = num('BENCH_WARMUP_MS', 700)
const IDLE = num('BENCH_IDLE_CONNECTIONS', 5000)
const WAITING = num('BENCH_WAITING', 1000)
const JOINS = num('BENCH_JOINS', 1000)

interface Relay {
  kind: Kind
  messages: number
  rate: number
  p50Ms: number
  p99Ms: number
  cpuUsPerMessage: number
  serverCpuShare: number
}
interface Idle {
  connections: number
  rssBefore: number
  rssAfter: number
  bytesPerConnection: number
}
interface Pairing {
  waiting: number
  joins: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

const started: RunningServer[] = []
async function start<T extends RunningServer>(p: Promise<T>): Promise<T> {
  const s = await p
  started.push(s)
  return s
}
async function stop(s: RunningServer) {
  started.splice(started.indexOf(s), 1)
  await s.stop()
}

const load = (
  await Bun.file('/proc/loadavg')
    .text()
    .catch(() => '?')
)
  .split(' ')
  .slice(0, 3)
  .join(' ')
console.log(`leetChat bench · bun ${Bun.version} · ${cpus().length} cores (${cpus()[0]?.model ?? '?'}) · load average ${load}`)
console.log('Figures on a shared machine are noisy: compare the ratios within one run, not runs with each other.\n')

try {
  // ---------- 1. relay ----------
  console.log(`relay: ${PAIRS} pairs, closed loop (one message in flight per client), a warm-up round, then ${ROUNDS} rounds × ${MEASURE_MS} ms per server`)
  const servers: Record<Kind, RunningServer> = {
    app: await start(startApp()),
    floor: await start(startBaseline('floor')),
    forwarder: await start(startBaseline('forwarder')),
  }
  const results: Record<Kind, Relay[]> = { app: [], floor: [], forwarder: [] }
  // One unmeasured round each first: the JIT is still compiling the app's hot path for a few
  // seconds (seen as JIT worker threads' CPU in /proc/<pid>/task), which would skew round 1.
  for (const kind of ['app', 'floor', 'forwarder'] as const) {
    const s = servers[kind]
    await runLoad<Relay>('relay-load.ts', { url: s.url, kind, pairs: PAIRS, warmupMs: 0, measureMs: 2000, serverPid: s.pid, origin: s.origin })
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of ['app', 'floor', 'forwarder'] as const) {
      const s = servers[kind]
      const r = await runLoad<Relay>('relay-load.ts', { url: s.url, kind, pairs: PAIRS, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, serverPid: s.pid, origin: s.origin })
      results[kind].push(r)
      console.log(
        `  round ${round} ${kind.padEnd(9)} ${fmt(r.rate).padStart(8)} msg/s   p50 ${fmt(r.p50Ms, 2)} ms   p99 ${fmt(r.p99Ms, 2)} ms   server CPU ${fmt(r.cpuUsPerMessage, 1)} µs/msg (${fmt(r.serverCpuShare * 100)}% of a core)`,
      )
    }
  }
  for (const s of Object.values(servers)) await stop(s)

  const med = (kind: Kind, key: keyof Relay) => median(results[kind].map(r => r[key] as number))
  // Other processes only ever slow a round down, so the best round is the least disturbed one.
  const best = (kind: Kind) => results[kind].reduce((x, y) => (y.rate > x.rate ? y : x))
  const row = (label: string, r: Pick<Relay, 'rate' | 'p50Ms' | 'p99Ms' | 'cpuUsPerMessage'>) =>
    console.log(`  ${label.padEnd(22)} ${fmt(r.rate).padStart(8)}   ${fmt(r.p50Ms, 2).padStart(6)}   ${fmt(r.p99Ms, 2).padStart(6)}   ${fmt(r.cpuUsPerMessage, 1).padStart(8)}`)
  console.log('\n                           msg/s      p50 ms   p99 ms   CPU µs/msg')
  for (const kind of ['app', 'floor', 'forwarder'] as const) {
    row(`${kind}, median`, { rate: med(kind, 'rate'), p50Ms: med(kind, 'p50Ms'), p99Ms: med(kind, 'p99Ms'), cpuUsPerMessage: med(kind, 'cpuUsPerMessage') })
    row(`${kind}, best round`, best(kind))
  }
  // Ratios per round (same moment, same noise), then their median; and best round against best round.
  const ratio = (other: Kind) => median(results.app.map((r, i) => r.rate / results[other][i]!.rate))
  const cpuRatio = median(results.app.map((r, i) => r.cpuUsPerMessage / results.floor[i]!.cpuUsPerMessage))
  const appVsFloor = ratio('floor')
  const bestVsFloor = best('app').rate / best('floor').rate
  console.log(
    `  throughput app/floor ${fmt(appVsFloor, 2)}× (best rounds ${fmt(bestVsFloor, 2)}×)   app/forwarder ${fmt(ratio('forwarder'), 2)}× (best ${fmt(best('app').rate / best('forwarder').rate, 2)}×)`,
  )
  console.log(`  CPU per message app/floor ${fmt(cpuRatio, 2)}×`)

  // ---------- 2. idle connections ----------
  console.log(`\nmemory: server RSS growth over ${fmt(IDLE)} idle connections`)
  const idle: Record<string, Idle> = {}
  for (const kind of ['app', 'floor'] as const) {
    const s = await start(kind === 'app' ? startApp() : startBaseline('floor'))
    const r = await runLoad<Idle>('idle-load.ts', { url: s.url, connections: IDLE, serverPid: s.pid, waitForHello: kind === 'app', origin: s.origin })
    idle[kind] = r
    console.log(`  ${kind.padEnd(9)} ${fmt(r.bytesPerConnection / 1024, 2)} KB per connection (RSS ${fmt(r.rssBefore / 2 ** 20, 1)} → ${fmt(r.rssAfter / 2 ** 20, 1)} MB)`)
    await stop(s)
  }

  // ---------- 3. time to pair ----------
  console.log(`\nmatching: ${fmt(JOINS)} joins, one after the other, while ${fmt(WAITING)} strangers wait on other interests`)
  const app = await start(startApp())
  const pairing = await runLoad<Pairing>('pair-load.ts', { url: app.url, waiting: WAITING, joins: JOINS, origin: app.origin })
  await stop(app)
  console.log(`  time to pair p50 ${fmt(pairing.p50Ms, 2)} ms   p99 ${fmt(pairing.p99Ms, 2)} ms   max ${fmt(pairing.maxMs, 2)} ms`)

  // ---------- 4. time to pair, by language ----------
  const byLanguage = await benchLanguagePairing(WAITING, JOINS)
  printLanguagePairing(byLanguage)

  // ---------- targets ----------
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met')
  const appP99 = med('app', 'p99Ms')
  const bestP99 = best('app').p99Ms
  const kb = idle.app!.bytesPerConnection / 1024
  console.log('\ntargets (goals, reported not asserted)')
  console.log(`  throughput ≥ 0.85× floor          median ${fmt(appVsFloor, 2)}×, best rounds ${fmt(bestVsFloor, 2)}×   ${mark(appVsFloor >= 0.85)}`)
  console.log(`  p99 < 5 ms at ${PAIRS} pairs            median ${fmt(appP99, 2)} ms, best round ${fmt(bestP99, 2)} ms   ${mark(appP99 < 5)}`)
  console.log(`  ≤ 5 KB RSS per idle connection    ${fmt(kb, 2)} KB   ${mark(kb <= 5)}`)
  console.log(`  time-to-pair p99 < 5 ms           ${fmt(pairing.p99Ms, 2)} ms   ${mark(pairing.p99Ms < 5)}`)
  console.log(`  by language p99 < 5 ms           ${fmt(byLanguage.p99Ms, 2)} ms   ${mark(byLanguage.p99Ms < 5)}`)
} finally {
  for (const s of [...started]) await s.stop().catch(() => {})
}
