// `bun run bench:languages`: time-to-pair on one node with 1,000 waiters over 12 languages and 100
// interests (tests/bench/pair-languages-load.ts). Prints figures; asserts nothing. Also section 4
// of `bun run bench`. Tunables (env): BENCH_WAITING (1000), BENCH_JOINS (1000).
import { createLocalMatchQueue } from '../../api/chat/local-match-queue'
import { LANGUAGES } from './pair-languages-load-shape'
import { fmt } from './stats'
import { runLoad, startApp } from './servers'

export interface LanguagePairing {
  waiting: number
  joins: number
  languages: number
  interests: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export async function benchLanguagePairing(waiting: number, joins: number): Promise<LanguagePairing> {
  // No fallback during the run: the pool must not pair among itself.
  const app = await startApp({ MATCH_FALLBACK_MS: '600000' })
  try {
    return await runLoad<LanguagePairing>('pair-languages-load.ts', { url: app.url, waiting, joins, origin: app.origin })
  } finally {
    await app.stop()
  }
}

export function printLanguagePairing(r: LanguagePairing) {
  console.log(`\nmatching by language: ${fmt(r.joins)} joins, one after the other, while ${fmt(r.waiting)} wait over ${r.languages} languages and ${r.interests} interests`)
  console.log(`  time to pair p50 ${fmt(r.p50Ms, 2)} ms   p99 ${fmt(r.p99Ms, 2)} ms   max ${fmt(r.maxMs, 2)} ms   (goal p99 < 5 ms: ${r.p99Ms < 5 ? 'met' : 'NOT met'})`)
}

/** The in-process queue alone, no sockets: the same pool and mix, `n` pairing enqueues. */
export async function benchLocalQueue(waiting: number, n: number) {
  const taken: string[] = []
  const q = createLocalMatchQueue({ fallbackMs: 600_000, events: { onMatch: m => void taken.push(m.a) } })
  const combo = (i: number) => {
    const c = Math.floor((i * LANGUAGES.length * 100) / waiting)
    return { languages: [LANGUAGES[c % LANGUAGES.length]!], interests: [`t${Math.floor(c / LANGUAGES.length) % 100}`] }
  }
  const rejoin = (id: string) => q.enqueue({ id, ...combo(Number(id.slice(4))), random: true, ipHash: `ip-${id}` })
  for (let k = 0; k < waiting; k++) await rejoin(`pool${k}`)
  const lat: number[] = []
  for (let k = 0; k < n; k++) {
    const c = combo((k * 7919) % waiting)
    const first = c.languages[0]!
    const other = LANGUAGES[(LANGUAGES.indexOf(first) + 5) % LANGUAGES.length]!
    const spec = k % 2 ? { interests: [], languages: c.languages } : { interests: c.interests, languages: [other, first] }
    const t = performance.now()
    await q.enqueue({ id: `join${k}`, ...spec, random: true, ipHash: `ipj${k}` })
    lat.push(performance.now() - t)
    for (const id of taken.splice(0)) await rejoin(id)
  }
  q.close()
  lat.sort((x, y) => x - y)
  console.log(`  in-process queue alone, ${fmt(n)} pairing enqueues: p50 ${fmt(lat[n >> 1]! * 1000, 1)} µs   p99 ${fmt(lat[Math.floor(n * 0.99)]! * 1000, 1)} µs`)
}

if (import.meta.main) {
  printLanguagePairing(await benchLanguagePairing(Number(process.env.BENCH_WAITING ?? 1000), Number(process.env.BENCH_JOINS ?? 1000)))
  await benchLocalQueue(Number(process.env.BENCH_WAITING ?? 1000), 20_000)
  process.exit(0)
}
