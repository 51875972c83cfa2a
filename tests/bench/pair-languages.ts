// `bun run bench:languages`: time-to-pair on one node with 1,000 waiters over 12 languages and 100
// interests (tests/bench/pair-languages-load.ts). Prints figures; asserts nothing. Also section 4
// of `bun run bench`. Tunables (env): BENCH_WAITING (1000), BENCH_JOINS (1000).
//
// `bun run bench:languages:cluster` (`--cluster`): the same load, in BENCH_ROUNDS (3) rounds that
// alternate one node (no Redis), one node on Redis (the Redis queue without crossing nodes) and
// three nodes sharing Redis, the pool and the newcomers spread round-robin over the three
// (tests/support/cluster.ts: real processes, TEST_REDIS_URL under a key prefix of their own,
// deleted after, nothing flushed; a fresh MariaDB database at TEST_MYSQL_URL, dropped after).
import { cpus, loadavg } from 'node:os'
import { createLocalMatchQueue } from '../../api/chat/local-match-queue'
import { startCluster } from '../support/cluster'
import { LANGUAGES, poolCombo } from './pair-languages-load-shape'
import { fmt, median } from './stats'
import { BENCH_LIMITS_OFF, runLoad, startApp } from './servers'

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

/** The same load against `nodes` nodes sharing Redis (or a Redis Cluster), every socket on node k % nodes. */
export async function benchLanguagePairingCluster(waiting: number, joins: number, nodes = 3, redis: { redisClusterNodes?: string } = {}): Promise<LanguagePairing> {
  const cluster = await startCluster({
    nodes,
    ...redis,
    env: {
      LOG_LEVEL: 'warn',
      MATCH_FALLBACK_MS: '600000',
      ...BENCH_LIMITS_OFF,
    },
  })
  try {
    const urls = cluster.nodes.map(n => n.wsUrl)
    return await runLoad<LanguagePairing>('pair-languages-load.ts', { url: urls[0], urls, waiting, joins, origin: 'http://127.0.0.1' })
  } finally {
    await cluster.stop()
  }
}

export function printLanguagePairing(r: LanguagePairing) {
  console.log(`\nmatching by language: ${fmt(r.joins)} joins, one after the other, while ${fmt(r.waiting)} wait over ${r.languages} languages and ${r.interests} interests`)
  console.log(`  time to pair p50 ${fmt(r.p50Ms, 2)} ms   p99 ${fmt(r.p99Ms, 2)} ms   max ${fmt(r.maxMs, 2)} ms   (goal p99 < 5 ms: ${r.p99Ms < 5 ? 'met' : 'NOT met'})`)
}

const load = () =>
  loadavg()
    .map(x => x.toFixed(2))
    .join(' ')

/** Rounds alternating one node, one node on Redis and three on Redis, then the medians side by side. */
async function compareCluster(waiting: number, joins: number, rounds: number) {
  console.log(`leetChat language pairing, 1 node vs 3 nodes on Redis · bun ${Bun.version} · ${cpus().length} cores · ${rounds} rounds · load average ${load()}`)
  const modes = [
    { label: '1 node          ', run: () => benchLanguagePairing(waiting, joins), got: [] as LanguagePairing[] },
    { label: '1 node on Redis ', run: () => benchLanguagePairingCluster(waiting, joins, 1), got: [] as LanguagePairing[] },
    { label: '3 nodes on Redis', run: () => benchLanguagePairingCluster(waiting, joins, 3), got: [] as LanguagePairing[] },
  ]
  for (let k = 1; k <= rounds; k++) {
    for (const mode of modes) {
      const r = await mode.run()
      mode.got.push(r)
      console.log(`  round ${k} ${mode.label}  p50 ${fmt(r.p50Ms, 2)} ms   p99 ${fmt(r.p99Ms, 2)} ms   max ${fmt(r.maxMs, 2)} ms   (load average ${load()})`)
    }
  }
  console.log(`\nmedians of ${rounds} rounds, ${fmt(joins)} joins each while ${fmt(waiting)} wait`)
  const p99One = median(modes[0]!.got.map(r => r.p99Ms))
  for (const mode of modes) {
    const p50 = median(mode.got.map(r => r.p50Ms))
    const p99 = median(mode.got.map(r => r.p99Ms))
    const versus =
      mode === modes[0] ? `goal p99 < 5 ms: ${p99 < 5 ? 'met' : 'NOT met'}` : `${(p99 / p99One).toFixed(1)}× the one-node p99; p99 < 5 ms ${p99 < 5 ? 'met' : 'NOT met'}`
    console.log(`  ${mode.label}  p50 ${fmt(p50, 2)} ms   p99 ${fmt(p99, 2)} ms   (${versus})`)
  }
}

/** The in-process queue alone, no sockets: the same pool and mix, `n` pairing enqueues. */
export async function benchLocalQueue(waiting: number, n: number) {
  const taken: string[] = []
  const q = createLocalMatchQueue({ fallbackMs: 600_000, events: { onMatch: m => void taken.push(m.a) } })
  const combo = (i: number) => {
    const { language, interest } = poolCombo(i, waiting)
    return { languages: [language], interests: [`t${interest}`] }
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

if (import.meta.main && process.argv.includes('--cluster')) {
  await compareCluster(Number(process.env.BENCH_WAITING ?? 1000), Number(process.env.BENCH_JOINS ?? 1000), Number(process.env.BENCH_ROUNDS ?? 3))
  process.exit(0)
} else if (import.meta.main) {
  printLanguagePairing(await benchLanguagePairing(Number(process.env.BENCH_WAITING ?? 1000), Number(process.env.BENCH_JOINS ?? 1000)))
  await benchLocalQueue(Number(process.env.BENCH_WAITING ?? 1000), 20_000)
  process.exit(0)
}
