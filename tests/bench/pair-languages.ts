// `bun run bench:languages`: time-to-pair on one node with 1,000 waiters over 12 languages and 100
// interests (tests/bench/pair-languages-load.ts). Prints figures; asserts nothing. Also section 4
// of `bun run bench`. Tunables (env): BENCH_WAITING (1000), BENCH_JOINS (1000).
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

if (import.meta.main) {
  printLanguagePairing(await benchLanguagePairing(Number(process.env.BENCH_WAITING ?? 1000), Number(process.env.BENCH_JOINS ?? 1000)))
  process.exit(0)
}
