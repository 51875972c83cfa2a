// `bun tests/bench/redis-match-queue.ts`: the Redis MatchQueue (api/cluster/redis-match-queue.ts)
// on a private redis-server. Prints figures; asserts nothing.
//  1. throughput: BENCH_MQ_PAIRS pairs' worth of waiters enqueued through 3 queue instances
//     (3 connections, as 3 nodes), 64 calls in flight: enqueues/s and pairs/s;
//  2. cost under load: with BENCH_MQ_WAITING strangers waiting on other interests, and with the
//     head of a popular interest full of cool-down-blocked candidates, the time one enqueue takes
//     (the script looks at no more than 64 candidates per sorted set, whatever waits);
//  3. languages: with 1,000 waiting over 12 languages and 100 interests, the time an
//     enqueue that pairs takes (half by interest in a shared language, half at random within one).
import { openRedis } from '../../api/cluster/redis'
import { createRedisMatchQueue, type RedisMatchQueue } from '../../api/cluster/redis-match-queue'
import { startRedis } from '../support/redis'

const PAIRS = Number(process.env.BENCH_MQ_PAIRS ?? 20_000)
const WAITING = Number(process.env.BENCH_MQ_WAITING ?? 10_000)

const redis = await startRedis()
try {
  const conns = await Promise.all([0, 1, 2].map(() => openRedis({ url: redis.url, prefix: 'bench:' })))
  let matches = 0
  const queues: RedisMatchQueue[] = conns.map(c => createRedisMatchQueue(c, { prefix: 'bench:', fallbackMs: 60_000, events: { onMatch: () => void matches++ } }))

  // 1. Throughput.
  const total = PAIRS * 2
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: 64 }, async (_, lane) => {
      for (let k = next++; k < total; k = next++) {
        // Half random-ready at once, half on one of 50 interests.
        const interests = k % 2 ? [] : [`topic-${k % 50}`]
        await queues[lane % 3]!.enqueue({ id: `s${k}`, interests, random: true, ipHash: `ip${k}` })
      }
    }),
  )
  const secs = (performance.now() - t0) / 1000
  console.log(
    `throughput: ${total} enqueues through 3 nodes in ${secs.toFixed(2)} s: ${Math.round(total / secs)} enqueues/s, ${Math.round(matches / secs)} pairs/s (${matches} pairs, ${await queues[0]!.size()} left waiting)`,
  )

  // 2. Cost of one enqueue with many waiting elsewhere, and with a blocked head.
  for (let k = 0; k < WAITING; k++) await queues[k % 3]!.enqueue({ id: `idle${k}`, interests: [`lonely-${k}`, `alone-${k}`], random: false, ipHash: `ipi${k}` })
  // 200 on one interest from one address that has a cool-down with itself (so they wait side by
  // side) and with the probes' address (so every probe has to skip them).
  await queues[0]!.cooldown('ipb', 'ipb', Date.now() + 600_000)
  await queues[0]!.cooldown('probe-ip', 'ipb', Date.now() + 600_000)
  for (let k = 0; k < 200; k++) await queues[0]!.enqueue({ id: `blocked${k}`, interests: ['popular'], random: false, ipHash: 'ipb' })
  const time = async (label: string, fn: (k: number) => Promise<void>, n = 500) => {
    const lat: number[] = []
    for (let k = 0; k < n; k++) {
      const s = performance.now()
      await fn(k)
      lat.push(performance.now() - s)
    }
    lat.sort((a, b) => a - b)
    console.log(`${label}: p50 ${lat[Math.floor(n / 2)]!.toFixed(3)} ms, p99 ${lat[Math.floor(n * 0.99)]!.toFixed(3)} ms`)
  }
  await time(`enqueue with ${WAITING} waiting on other interests (no partner)`, k =>
    queues[1]!.enqueue({ id: `new${k}`, interests: [`fresh-${k}`], random: false, ipHash: `ipn${k}` }),
  )
  await time('enqueue whose interest has 200 cool-down-blocked candidates (64 looked at)', k =>
    queues[2]!.enqueue({ id: `probe${k}`, interests: ['popular'], random: false, ipHash: 'probe-ip' }).then(() => void queues[2]!.remove(`probe${k}`)),
  )

  // 3. Languages: a fresh prefix, 1,000 waiting on distinct (language, interest) pairs.
  const LANGS = ['en', 'es', 'pt', 'fr', 'de', 'it', 'ru', 'ja', 'zh', 'ar', 'hi', 'tr']
  const lconn = await openRedis({ url: redis.url, prefix: 'benchl:' })
  const taken: string[] = []
  const lq = createRedisMatchQueue(lconn, { prefix: 'benchl:', fallbackMs: 600_000, events: { onMatch: m => void taken.push(m.a) } })
  const combo = (i: number) => {
    const c = Math.floor(i * 1.2)
    return { languages: [LANGS[c % 12]!], interests: [`t${Math.floor(c / 12) % 100}`] }
  }
  const rejoin = (id: string) => lq.enqueue({ id, ...combo(Number(id.slice(4))), random: true, ipHash: `ip-${id}` })
  for (let k = 0; k < 1000; k++) await rejoin(`pool${k}`)
  const lat: number[] = []
  for (let k = 0; k < 1000; k++) {
    const c = combo((k * 7919) % 1000)
    const first = c.languages[0]!
    const spec = k % 2 ? { interests: [], languages: c.languages } : { interests: c.interests, languages: [LANGS[(LANGS.indexOf(first) + 5) % 12]!, first] }
    const s0 = performance.now()
    await lq.enqueue({ id: `join${k}`, ...spec, random: true, ipHash: `ipj${k}` })
    lat.push(performance.now() - s0)
    // Whoever was taken comes back with the same find, so 1,000 always wait (not timed).
    for (const id of taken.splice(0)) await rejoin(id)
  }
  lat.sort((x, y) => x - y)
  console.log(
    `enqueue that pairs, 1,000 waiting over 12 languages × 100 interests (${await lq.size()} waiting after): p50 ${lat[500]!.toFixed(3)} ms, p99 ${lat[990]!.toFixed(3)} ms, max ${lat[999]!.toFixed(3)} ms`,
  )
  await lq.shutdown()
  await lconn.close()
  for (const q of queues) await q.shutdown()
  for (const c of conns) await c.close()
} finally {
  await redis.stop()
}
process.exit(0)
