// `bun tests/bench/redis-clients.ts`: ioredis vs Bun's built-in RedisClient, for the choice made in
// api/cluster/redis.ts. Prints figures; asserts nothing. Runs against a private redis-server on a
// free loopback port (it stops and restarts it), so the machine's shared Redis is never touched.
//
// For each client:
//  1. EVALSHA of a tiny script (INCR a key, return it): sequential (one in flight) and with 100 in
//     flight (pipelined by the client);
//  2. an explicit pipeline / batch of 100 EVALSHAs;
//  3. PUBLISH on the command connection → message on a dedicated subscriber connection: latency
//     of one message at a time (p50, p99);
//  4. Redis killed: how long a command takes to fail (with fail-fast settings: no offline queue);
//     Redis back: how long until a command succeeds again, and whether the subscriber receives
//     again (resubscribed by itself).
// Tunables (env): BENCH_REDIS_OPS (20000), BENCH_REDIS_MESSAGES (2000).
import Redis from 'ioredis'
import { RedisClient } from 'bun'
import { startRedis, type PrivateRedis } from '../support/redis'

const OPS = Number(process.env.BENCH_REDIS_OPS ?? 20_000)
const MESSAGES = Number(process.env.BENCH_REDIS_MESSAGES ?? 2_000)
const SCRIPT = "return redis.call('INCR', KEYS[1])"

interface Driver {
  name: string
  /** Resolves once the command connection is up (commands fail fast before that). */
  ready(): Promise<void>
  /** Command connection. */
  evalsha(sha: string, key: string): Promise<unknown>
  scriptLoad(src: string): Promise<string>
  publish(channel: string, msg: string): Promise<unknown>
  /** An explicit batch of EVALSHAs sent together. */
  batch(sha: string, key: string, n: number): Promise<unknown>
  subscribe(channel: string, onMessage: (m: string) => void): Promise<void>
  close(): void
}

function ioredisDriver(url: string): Driver {
  // The settings api/cluster/redis.ts uses: fail fast when Redis is away, reconnect forever.
  const opts = { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (n: number) => Math.min(50 * n, 1000) }
  const cmd = new Redis(url, opts)
  const sub = new Redis(url, { ...opts, enableOfflineQueue: true }) // subscribe() before connect is fine
  for (const c of [cmd, sub]) c.on('error', () => {}) // reported per command; silence the event
  return {
    name: 'ioredis 6',
    ready: () => (cmd.status === 'ready' ? Promise.resolve() : new Promise(r => cmd.once('ready', () => r()))),
    evalsha: (sha, key) => cmd.evalsha(sha, 1, key),
    scriptLoad: src => cmd.script('LOAD', src) as Promise<string>,
    publish: (c, m) => cmd.publish(c, m),
    batch(sha, key, n) {
      const p = cmd.pipeline()
      for (let i = 0; i < n; i++) p.evalsha(sha, 1, key)
      return p.exec()
    },
    async subscribe(channel, onMessage) {
      sub.on('message', (_c: string, m: string) => onMessage(m))
      await sub.subscribe(channel)
    },
    close() {
      cmd.disconnect()
      sub.disconnect()
    },
  }
}

function bunDriver(url: string): Driver {
  const opts = { enableOfflineQueue: false, autoReconnect: true, maxRetries: 1_000_000 }
  const cmd = new RedisClient(url, opts)
  const sub = new RedisClient(url, opts)
  return {
    name: 'Bun RedisClient',
    ready: () => Promise.all([cmd.connect(), sub.connect()]).then(() => {}),
    evalsha: (sha, key) => cmd.send('EVALSHA', [sha, '1', key]),
    scriptLoad: src => cmd.send('SCRIPT', ['LOAD', src]),
    publish: (c, m) => cmd.publish(c, m),
    // No explicit pipeline API: auto-pipelining batches commands issued in the same tick.
    batch(sha, key, n) {
      const ps: Promise<unknown>[] = []
      for (let i = 0; i < n; i++) ps.push(cmd.send('EVALSHA', [sha, '1', key]))
      return Promise.all(ps)
    },
    async subscribe(channel, onMessage) {
      await sub.subscribe(channel, m => onMessage(m))
    },
    close() {
      cmd.close()
      sub.close()
    },
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 3 : 0) : String(n))

async function measure(make: (url: string) => Driver, redis: PrivateRedis) {
  const d = make(redis.url)
  const out: Record<string, string> = { client: d.name }
  await d.ready()
  const sha = await d.scriptLoad(SCRIPT)
  const key = `bench:${d.name}`
  for (let i = 0; i < 500; i++) await d.evalsha(sha, key) // warm-up

  let t = performance.now()
  for (let i = 0; i < OPS; i++) await d.evalsha(sha, key)
  out['evalsha seq ops/s'] = f1(OPS / ((performance.now() - t) / 1000))

  t = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next++ < OPS) await d.evalsha(sha, key)
    }),
  )
  out['evalsha 100 in flight ops/s'] = f1(OPS / ((performance.now() - t) / 1000))

  t = performance.now()
  for (let i = 0; i < OPS / 100; i++) await d.batch(sha, key, 100)
  out['evalsha batch of 100 ops/s'] = f1(OPS / ((performance.now() - t) / 1000))

  let waiting: ((m: string) => void) | null = null
  await d.subscribe('bench:ch', m => waiting?.(m))
  const receive = (msg: string, timeoutMs: number) =>
    new Promise<boolean>(resolve => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      waiting = m => {
        if (m === msg) {
          clearTimeout(timer)
          resolve(true)
        }
      }
    })
  const lat: number[] = []
  for (let i = 0; i < MESSAGES; i++) {
    const got = receive(String(i), 2000)
    const t0 = performance.now()
    await d.publish('bench:ch', String(i))
    if (await got) lat.push(performance.now() - t0)
  }
  lat.sort((a, b) => a - b)
  out['pub→sub p50 ms'] = f1(pct(lat, 50))
  out['pub→sub p99 ms'] = f1(pct(lat, 99))
  out['pub→sub received'] = `${lat.length}/${MESSAGES}`

  // Outage: Redis killed.
  await redis.stop()
  t = performance.now()
  const failed = await Promise.race([
    d.evalsha(sha, key).then(
      () => 'succeeded?!',
      (e: Error) => `rejected (${String(e.message).slice(0, 40)})`,
    ),
    Bun.sleep(5000).then(() => 'still pending after 5 s'),
  ])
  out['command while down'] = `${failed} in ${f1(performance.now() - t)} ms`

  // Redis back (empty: scripts must be loaded again; the client must reconnect by itself).
  await Bun.sleep(1500) // let a few reconnect attempts fail first
  await redis.start()
  t = performance.now()
  let back = false
  while (performance.now() - t < 10_000) {
    const ok = await d.publish('bench:ping', 'x').then(
      () => true,
      () => false,
    )
    if (ok) {
      back = true
      break
    }
    await Bun.sleep(10)
  }
  out['commands again after restart'] = back ? `${f1(performance.now() - t)} ms` : 'no (10 s)'
  let resubscribed = false
  for (let i = 0; i < 40 && !resubscribed; i++) {
    const got = receive('after-restart', 250)
    await d.publish('bench:ch', 'after-restart').catch(() => {})
    resubscribed = await got
  }
  out['subscriber receives after restart'] = resubscribed ? 'yes' : 'no (10 s)'
  const reloaded = await d.evalsha(sha, key).then(
    () => 'script survived?',
    (e: Error) => (/NOSCRIPT/.test(e.message) ? 'NOSCRIPT (reload needed, as expected)' : e.message.slice(0, 40)),
  )
  out['evalsha after restart'] = reloaded
  d.close()
  return out
}

const redis = await startRedis()
try {
  const rows = [await measure(ioredisDriver, redis), await measure(bunDriver, redis)]
  console.log(`Redis clients (private redis-server 127.0.0.1:${redis.port}; ${OPS} ops, ${MESSAGES} messages)`)
  for (const k of Object.keys(rows[0]!)) console.log(`${k.padEnd(36)} ${rows.map(r => (r[k] ?? '').padEnd(44)).join(' ')}`)
} finally {
  await redis.stop()
}
process.exit(0)
