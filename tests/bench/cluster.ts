// `bun run bench:cluster`: the closed-loop relay of `bun run bench` against one node (no Redis),
// then against three nodes with every pair split across two nodes, first on one Redis, then on a
// private 3-master Redis Cluster (tests/support/redis-cluster.ts), in one run. Prints relayed
// messages/s, stranger-to-stranger p50/p99, server CPU per message for each process (every node,
// every Redis), Redis commands per relayed message and the ratios to the one node. Then the time
// to pair, p50/p99, with BENCH_PAIR_WAITING (10,000) strangers waiting across three nodes, on both
// set-ups, against one node's in-process queue. Asserts nothing. Needs MariaDB (the cluster's
// database), Redis at TEST_REDIS_URL and redis-server with cluster support.
//
// Tunables (env): BENCH_ROUNDS (3), BENCH_PAIRS (16), BENCH_MEASURE_MS (3000), BENCH_WARMUP_MS (700),
// BENCH_PAIR_WAITING (10000; 0 skips the pairing part), BENCH_PAIR_JOINS (1000),
// BENCH_SETUPS (one,cluster: which multi-node set-ups to run; add `same` for three nodes on one
// Redis with each pair on one node, the cost of a cluster to a pair that does not cross nodes).
import Redis from 'ioredis'
import { cpus, loadavg } from 'node:os'
import { startCluster } from '../support/cluster'
import { TEST_REDIS_URL } from '../support/redis'
import { startRedisCluster } from '../support/redis-cluster'
import { median, fmt } from './stats'
import { BENCH_LIMITS_OFF, runLoad, startApp } from './servers'
import { benchLanguagePairing, benchLanguagePairingCluster, type LanguagePairing } from './pair-languages'
import { interestCount } from './pair-languages-load-shape'

const num = (name: string, def: number) => Number(process.env[name] ?? def)
const ROUNDS = num('BENCH_ROUNDS', 3)
const PAIRS = num('BENCH_PAIRS', 16)
const MEASURE_MS = num('BENCH_MEASURE_MS', 3000)
const WARMUP_MS = num('BENCH_WARMUP_MS', 700)
const PAIR_WAITING = num('BENCH_PAIR_WAITING', 10_000)
const PAIR_JOINS = num('BENCH_PAIR_JOINS', 1000)
const SETUPS = (process.env.BENCH_SETUPS ?? 'one,cluster').split(',')

interface Relay {
  messages: number
  rate: number
  p50Ms: number
  p99Ms: number
  cpuUsPerMessage: number
}

interface RedisCounters {
  commands: number
  cpuUs: number
}

async function redisInfo(r: Redis): Promise<RedisCounters> {
  const text = await r.info()
  const field = (name: string) => Number(text.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0)
  return { commands: field('total_commands_processed'), cpuUs: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6 }
}

/** The Redis server's pid (a loopback Redis on this machine: its CPU is read from /proc). */
async function redisPid(r: Redis): Promise<number> {
  return Number((await r.info('server')).match(/^process_id:(\d+)/m)?.[1] ?? 0)
}

/** A multi-node round: the relay's figures, plus CPU per message of each node and each Redis. */
interface MultiRelay extends Relay {
  nodeCpuUs: number[]
  redisCpuUs: number[]
  redisCommands: number
}

const load = () =>
  loadavg()
    .map(x => x.toFixed(2))
    .join(' ')
console.log(`leetChat cluster bench · bun ${Bun.version} · ${cpus().length} cores · ${ROUNDS} rounds × ${MEASURE_MS} ms, ${PAIRS} pairs · load average ${load()}`)
console.log('Every node, the load generator and every Redis share these cores: the figures show the cost of crossing nodes, not growth.\n')

const single: Relay[] = []
const app = await startApp()
try {
  for (let r = 0; r < ROUNDS; r++) {
    const x = await runLoad<Relay>('relay-load.ts', { url: app.url, kind: 'app', pairs: PAIRS, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, serverPid: app.pid, origin: app.origin })
    single.push(x)
    console.log(
      `  round ${r + 1} 1 node                   ${fmt(x.rate)} msg/s   p50 ${x.p50Ms.toFixed(2)} ms   p99 ${x.p99Ms.toFixed(2)} ms   server CPU ${x.cpuUsPerMessage.toFixed(1)} µs/msg`,
    )
  }
} finally {
  await app.stop()
}

const NODE_ENV = { LOG_LEVEL: 'warn', ...BENCH_LIMITS_OFF }

/**
 * Rounds of the cross-node relay on three nodes whose Redis is `redis` (one client per Redis
 * process: the shared one, or each master of the cluster, with its pid for the CPU reading).
 */
async function multiNode(label: string, target: { redisUrl?: string; redisClusterNodes?: string }, redis: Redis[], redisPids: number[], sameNode = false): Promise<MultiRelay[]> {
  const cluster = await startCluster({ nodes: 3, ...target, env: NODE_ENV })
  const out: MultiRelay[] = []
  try {
    const urls = cluster.nodes.map(n => n.wsUrl)
    const pids = cluster.nodes.map(n => n.proc.pid)
    for (let r = 0; r < ROUNDS; r++) {
      const before = await Promise.all(redis.map(redisInfo))
      const x = await runLoad<Relay & { cpuUsPerMessageByPid: number[] }>('relay-load.ts', {
        url: urls[0],
        urls,
        sameNode,
        kind: 'app',
        pairs: PAIRS,
        warmupMs: WARMUP_MS,
        measureMs: MEASURE_MS,
        serverPid: pids[0],
        serverPids: pids,
        otherPids: redisPids,
        origin: 'http://127.0.0.1',
      })
      const after = await Promise.all(redis.map(redisInfo))
      // CPU is read inside the measured window (relay-load.ts); Redis's command count around the
      // whole run, warm-up and pairing included: an upper bound per measured message.
      const commands = after.reduce((n, a, i) => n + a.commands - before[i]!.commands, 0)
      const row: MultiRelay = {
        ...x,
        nodeCpuUs: x.cpuUsPerMessageByPid.slice(0, pids.length),
        redisCpuUs: x.cpuUsPerMessageByPid.slice(pids.length),
        redisCommands: commands / x.messages,
      }
      out.push(row)
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
      console.log(
        `  round ${r + 1} ${label}   ${fmt(x.rate)} msg/s   p50 ${x.p50Ms.toFixed(2)} ms   p99 ${x.p99Ms.toFixed(2)} ms   node CPU ${x.cpuUsPerMessage.toFixed(1)} µs/msg   Redis ${row.redisCommands.toFixed(2)} cmds, ${sum(row.redisCpuUs).toFixed(1)} µs CPU per msg`,
      )
    }
  } finally {
    await cluster.stop()
  }
  return out
}

const results: Array<{ label: string; rows: MultiRelay[] }> = []
if (SETUPS.includes('one')) {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? TEST_REDIS_URL)
  try {
    results.push({
      label: '3 nodes, one Redis',
      rows: await multiNode('3 nodes, one Redis     ', { redisUrl: process.env.TEST_REDIS_URL ?? TEST_REDIS_URL }, [redis], [await redisPid(redis)]),
    })
  } finally {
    redis.disconnect()
  }
}
// Opt-in (BENCH_SETUPS=…,same): each pair's two sides on one node of the three, on one Redis.
if (SETUPS.includes('same')) {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? TEST_REDIS_URL)
  try {
    results.push({
      label: '3 nodes, one Redis, each pair on one node',
      rows: await multiNode('same node, one Redis   ', { redisUrl: process.env.TEST_REDIS_URL ?? TEST_REDIS_URL }, [redis], [await redisPid(redis)], true),
    })
  } finally {
    redis.disconnect()
  }
}
if (SETUPS.includes('cluster')) {
  const rc = await startRedisCluster()
  const masters = rc.ports.map(port => new Redis({ host: '127.0.0.1', port }))
  try {
    const pids = await Promise.all(masters.map(redisPid))
    results.push({ label: '3 nodes, Redis Cluster', rows: await multiNode('3 nodes, Redis Cluster ', { redisClusterNodes: rc.nodes }, masters, pids) })
  } finally {
    for (const m of masters) m.disconnect()
    await rc.stop()
  }
}

const m = (xs: number[]) => median(xs)
const s = { rate: m(single.map(x => x.rate)), p50: m(single.map(x => x.p50Ms)), p99: m(single.map(x => x.p99Ms)), cpu: m(single.map(x => x.cpuUsPerMessage)) }
console.log('\nmedians (CPU per relayed message; a relayed message is one text from one stranger to the other)')
console.log(`  1 node:                   ${fmt(s.rate)} msg/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms   ${s.cpu.toFixed(1)} µs server CPU/msg`)
for (const { label, rows } of results) {
  const rate = m(rows.map(x => x.rate))
  const p99 = m(rows.map(x => x.p99Ms))
  const nodes = rows[0]!.nodeCpuUs.map((_, i) => m(rows.map(x => x.nodeCpuUs[i]!)))
  const redises = rows[0]!.redisCpuUs.map((_, i) => m(rows.map(x => x.redisCpuUs[i]!)))
  const all = [...nodes, ...redises].reduce((a, b) => a + b, 0)
  const redisAll = redises.reduce((a, b) => a + b, 0)
  console.log(
    `  ${(label + ':').padEnd(24)} ${fmt(rate)} msg/s   p50 ${m(rows.map(x => x.p50Ms)).toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   ${m(rows.map(x => x.redisCommands)).toFixed(2)} Redis commands/msg`,
  )
  console.log(`      CPU µs/msg per process: nodes ${nodes.map(x => x.toFixed(1)).join(' / ')}   Redis ${redises.map(x => x.toFixed(1)).join(' / ')}   total ${all.toFixed(1)}`)
  console.log(
    `      vs 1 node: throughput ${(rate / s.rate).toFixed(2)}× (goal ≥ 0.5×)   CPU ${(all / s.cpu).toFixed(2)}× (goal ≤ 2.5×)   Redis ${redisAll.toFixed(1)} µs/msg (goal ≤ 5)   p99 ${p99.toFixed(2)} ms (goal ≤ 10)`,
  )
}

if (PAIR_WAITING > 0) {
  console.log(
    `\ntime to pair: ${fmt(PAIR_JOINS)} newcomers one after the other while ${fmt(PAIR_WAITING)} wait (12 languages, ${fmt(interestCount(PAIR_WAITING))} interests; tests/bench/pair-languages-load.ts)`,
  )
  const pairing: Array<{ label: string; r: LanguagePairing }> = [{ label: '1 node (in-process queue)', r: await benchLanguagePairing(PAIR_WAITING, PAIR_JOINS) }]
  console.log(`  ${pairing[0]!.label.padEnd(26)} p50 ${fmt(pairing[0]!.r.p50Ms, 2)} ms   p99 ${fmt(pairing[0]!.r.p99Ms, 2)} ms   (load average ${load()})`)
  const one = pairing[0]!.r
  const show = (label: string, r: LanguagePairing) => {
    pairing.push({ label, r })
    console.log(
      `  ${label.padEnd(26)} p50 ${fmt(r.p50Ms, 2)} ms   p99 ${fmt(r.p99Ms, 2)} ms   p99 ${(r.p99Ms / one.p99Ms).toFixed(1)}× the one node's (goal ≤ 1.5×)   (load average ${load()})`,
    )
  }
  if (SETUPS.includes('one')) show('3 nodes, one Redis', await benchLanguagePairingCluster(PAIR_WAITING, PAIR_JOINS, 3))
  if (SETUPS.includes('cluster')) {
    const rc = await startRedisCluster()
    try {
      show('3 nodes, Redis Cluster', await benchLanguagePairingCluster(PAIR_WAITING, PAIR_JOINS, 3, { redisClusterNodes: rc.nodes }))
    } finally {
      await rc.stop()
    }
  }
}
process.exit(0)
