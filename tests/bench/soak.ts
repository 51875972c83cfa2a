// `bun run bench:soak`: does memory come back after heavy relay? Cycles of relay load (rounds of
// closed-loop text over many pairs, each round its own client process that closes its sockets
// with 1000 at the end), then an idle longer than the resume window so every session expires.
// After each idle it prints the app's RSS and, from inside the app (GET /debug/heap, switched on
// with DEBUG_HEAP_ENDPOINT for this run only), the JS heap, the allocator's bytes in use and the
// object types that grew since the first idle. Prints figures; asserts nothing.
//
// Tunables (env): SOAK_CYCLES (3), SOAK_ROUNDS (3 per cycle), SOAK_PAIRS (256),
// SOAK_MEASURE_MS (3000 of relay per round), SOAK_RESUME_WINDOW_MS (15000), SOAK_IDLE_MS
// (resume window + 10000), SOAK_GC (0: also read the figures after a forced full GC when 1).
// SOAK_TRACE_MS (0: off; else sample RSS and heap this often while idle).
// SOAK_ISSUE=1 is the run that showed sessions' memory staying in RSS (docs/benchmarks.md): the
// default 60 s resume window and 70 s idle.
// Anything else in the environment reaches the app too (e.g. MIMALLOC_* knobs for a diagnosis).
import { fmt } from './stats'
import { rssBytes } from './proc'
import { runLoad, startApp, type RunningServer } from './servers'
import type { HeapReport } from '../../api/ops/heap'

const num = (name: string, def: number) => Number(process.env[name] ?? def)
const ISSUE = process.env.SOAK_ISSUE === '1'
const CYCLES = num('SOAK_CYCLES', 3)
const ROUNDS = num('SOAK_ROUNDS', 3)
const PAIRS = num('SOAK_PAIRS', 256)
const MEASURE_MS = num('SOAK_MEASURE_MS', 3000)
// Longer than the ~10 s after which Bun runs its first idle full collection, as the production
// 60 s window is: with a shorter one the sessions are gone before it and it frees them, and the
// soak cannot see old-generation garbage piling up.
const RESUME_WINDOW_MS = num('SOAK_RESUME_WINDOW_MS', ISSUE ? 60_000 : 15_000)
const IDLE_MS = num('SOAK_IDLE_MS', ISSUE ? 70_000 : RESUME_WINDOW_MS + 10_000)
const GC = process.env.SOAK_GC === '1'
/** > 0: sample RSS and heap (the /metrics gauges, no heap walk) this often during each idle. */
const TRACE_MS = num('SOAK_TRACE_MS', 0)
/** The goal: RSS after the last idle within this share of RSS after the first. */
const RSS_TOLERANCE = 0.2

const MB = (b: number) => fmt(b / 2 ** 20, 1)

interface Idle {
  rss: number
  heap: HeapReport
  sessions: number
  connections: number
  reclaims: number
}

async function heap(app: RunningServer, gc: boolean): Promise<HeapReport> {
  const res = await fetch(`${app.origin}/debug/heap?gc=${gc ? 1 : 0}&top=9999`)
  if (!res.ok) throw new Error(`/debug/heap answered ${res.status}`)
  return (await res.json()) as HeapReport
}

async function gauge(app: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`${app.origin}/metrics`)).text()
  const m = text.match(new RegExp(`^leetchat_${name} (\\S+)$`, 'm'))
  return m ? Number(m[1]) : NaN
}

/** Sleeps `ms`; with SOAK_TRACE_MS prints RSS/heap samples meanwhile, to see when memory comes back. */
async function idle(app: RunningServer, ms: number) {
  if (TRACE_MS <= 0) return Bun.sleep(ms)
  const t0 = performance.now()
  const samples: string[] = []
  while (performance.now() - t0 < ms) {
    await Bun.sleep(Math.min(TRACE_MS, ms - (performance.now() - t0)))
    const [heapUsed, sessions] = [await gauge(app, 'process_heap_used_bytes'), await gauge(app, 'sessions')]
    samples.push(`${fmt((performance.now() - t0) / 1000, 0)}s ${MB(rssBytes(app.pid))}/${MB(heapUsed)}${sessions ? `/${sessions}s` : ''}`)
  }
  console.log(`    idle trace (RSS/heap MB[/sessions]): ${samples.join('  ')}`)
}

async function measure(app: RunningServer, gc: boolean): Promise<Idle> {
  // /debug/heap first: its own allocations are what we would otherwise read in RSS.
  const h = await heap(app, gc)
  return {
    rss: rssBytes(app.pid),
    heap: h,
    sessions: await gauge(app, 'sessions'),
    connections: await gauge(app, 'connections'),
    reclaims: await gauge(app, 'memory_reclaims_total'),
  }
}

function line(label: string, m: Idle) {
  const h = m.heap
  const malloc = h.malloc ? `malloc in use ${MB(h.malloc.inUseBytes).padStart(6)} committed ${MB(h.malloc.committedBytes).padStart(6)}` : 'malloc n/a'
  console.log(
    `  ${label.padEnd(22)} RSS ${MB(m.rss).padStart(6)} MB   heap ${MB(h.heapBytes).padStart(6)} (capacity ${MB(h.heapCapacityBytes).padStart(6)}, extra ${MB(h.extraMemoryBytes).padStart(5)})   ${malloc}   objects ${fmt(h.objectCount).padStart(8)}   sessions ${m.sessions} sockets ${m.connections}${Number.isFinite(m.reclaims) ? ` reclaims ${m.reclaims}` : ''}`,
  )
}

/** The object types whose count grew most since `base`. */
function growth(base: HeapReport, now: HeapReport, n = 6): string {
  const rows = Object.entries(now.objectTypeCounts)
    .map(([type, count]) => [type, count - (base.objectTypeCounts[type] ?? 0)] as const)
    .filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
  return rows.length ? rows.map(([t, d]) => `${t} +${fmt(d)}`).join(', ') : 'none'
}

const load = (
  await Bun.file('/proc/loadavg')
    .text()
    .catch(() => '?')
)
  .split(' ')
  .slice(0, 3)
  .join(' ')
console.log(`leetChat soak · bun ${Bun.version} · load average ${load}`)
console.log(
  `${CYCLES} cycles × ${ROUNDS} rounds of ${PAIRS} pairs relaying for ${MEASURE_MS} ms, then ${fmt(IDLE_MS / 1000, 1)} s idle (resume window ${fmt(RESUME_WINDOW_MS / 1000, 1)} s)${GC ? '; figures also after a forced full GC' : ''}\n`,
)

const app = await startApp({ RESUME_WINDOW_MS: String(RESUME_WINDOW_MS), DEBUG_HEAP_ENDPOINT: 'true' })
const idles: Idle[] = []
const collected: Idle[] = []
try {
  await Bun.sleep(1000)
  const started = await measure(app, GC)
  line(GC ? 'started, full GC' : 'started', started)
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await runLoad<{ rate: number; p99Ms: number }>('relay-load.ts', {
        url: app.url,
        kind: 'app',
        pairs: PAIRS,
        warmupMs: 500,
        measureMs: MEASURE_MS,
        serverPid: app.pid,
        origin: app.origin,
      })
      console.log(`  cycle ${cycle} round ${round}         ${fmt(r.rate).padStart(7)} msg/s, p99 ${fmt(r.p99Ms, 1)} ms, RSS ${MB(rssBytes(app.pid))} MB`)
    }
    // With SOAK_GC: what the sessions still inside their resume window hold, garbage excluded.
    if (GC) line(`cycle ${cycle} after load, GC`, await measure(app, true))
    await idle(app, IDLE_MS)
    const m = await measure(app, false)
    idles.push(m)
    line(`cycle ${cycle} after idle`, m)
    if (GC) {
      const g = await measure(app, true)
      collected.push(g)
      line(`cycle ${cycle} after full GC`, g)
      // Only collected heaps compare: otherwise the counts are mostly garbage not yet swept.
      console.log(`    live objects grown since start: ${growth(started.heap, g.heap)}`)
    } else if (cycle > 1) console.log(`    grew since cycle 1 (garbage included): ${growth(idles[0]!.heap, m.heap)}`)
  }

  const first = idles[0]!
  const last = idles[idles.length - 1]!
  const ratio = last.rss / first.rss
  console.log('\nafter each idle (MB)      ' + idles.map((_, i) => `cycle ${i + 1}`.padStart(9)).join(''))
  console.log('  RSS                    ' + idles.map(m => MB(m.rss).padStart(9)).join(''))
  console.log('  JS heap                ' + idles.map(m => MB(m.heap.heapBytes).padStart(9)).join(''))
  console.log('  malloc in use          ' + idles.map(m => (m.heap.malloc ? MB(m.heap.malloc.inUseBytes) : 'n/a').padStart(9)).join(''))
  if (GC) {
    console.log('  RSS after full GC      ' + collected.map(m => MB(m.rss).padStart(9)).join(''))
    console.log('  JS heap after full GC  ' + collected.map(m => MB(m.heap.heapBytes).padStart(9)).join(''))
  }
  // Growth is what the target is about: a last idle below the first (garbage of cycle 1 not yet
  // collected when it was read) meets it, and the line says so.
  const within = ratio <= 1 + RSS_TOLERANCE
  const pct = (r: number) => `${r >= 1 ? '+' : ''}${fmt((r - 1) * 100, 0)}%`
  console.log(
    `\ntarget: RSS after the last idle at most ${RSS_TOLERANCE * 100}% above the first   ${MB(first.rss)} → ${MB(last.rss)} MB (${pct(ratio)}; ${pct(last.rss / started.rss)} on the ${MB(started.rss)} MB at start)   ${within ? 'met' : 'NOT met'}`,
  )
} finally {
  await app.stop()
}
