// `bun run bench:cluster`: the closed-loop relay of `bun run bench` against one node (no Redis),
// then against three nodes sharing Redis with every pair split across two nodes, in one run.
// Prints relayed messages/s, stranger-to-stranger p50/p99, server CPU per message (all nodes),
// Redis commands and Redis CPU per relayed message, and the cross-node/single-node ratio.
// Asserts nothing. Needs MariaDB (the cluster's database) and Redis at TEST_REDIS_URL.
//
// Tunables (env): BENCH_ROUNDS (3), BENCH_PAIRS (16), BENCH_MEASURE_MS (3000), BENCH_WARMUP_MS (700)
import Redis from 'ioredis'
import { cpus } from 'node:os'
import { startCluster } from '../support/cluster'
import { TEST_REDIS_URL } from '../support/redis'
import { median, fmt } from './stats'
import { BENCH_ABUSE_OFF, runLoad, startApp } from './servers'

const num = (name: string, def: number) => Number(process.env[name] ?? def)
const ROUNDS = num('BENCH_ROUNDS', 3)
const PAIRS = num('BENCH_PAIRS', 16)
const MEASURE_MS = num('BENCH_MEASURE_MS', 3000)
const WARMUP_MS = num('BENCH_WARMUP_MS', 700)

interface Relay {
  messages: number
  rate: number
  p50Ms: number
  p99Ms: number
  cpuUsPerMessage: number
}

async function redisInfo(r: Redis): Promise<{ commands: number; cpuUs: number }> {
  const text = await r.info()
  const field = (name: string) => Number(text.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0)
  return { commands: field('total_commands_processed'), cpuUs: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6 }
}

console.log(`leetChat cluster bench · bun ${Bun.version} · ${cpus().length} cores · ${ROUNDS} rounds × ${MEASURE_MS} ms, ${PAIRS} pairs`)
console.log('Every node, the load generator and Redis share these cores: the figures show the cost of crossing nodes, not growth.\n')

const single: Relay[] = []
const app = await startApp()
try {
  for (let r = 0; r < ROUNDS; r++) {
    const x = await runLoad<Relay>('relay-load.ts', { url: app.url, kind: 'app', pairs: PAIRS, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, serverPid: app.pid, origin: app.origin })
    single.push(x)
    console.log(
      `  round ${r + 1} 1 node     ${fmt(x.rate)} msg/s   p50 ${x.p50Ms.toFixed(2)} ms   p99 ${x.p99Ms.toFixed(2)} ms   server CPU ${x.cpuUsPerMessage.toFixed(1)} µs/msg`,
    )
  }
} finally {
  await app.stop()
}

const cluster = await startCluster({
  nodes: 3,
  env: {
    LOG_LEVEL: 'warn',
    RATE_TEXT_PER_SECOND: '1000000000',
    RATE_TEXT_BURST: '1000000000',
    RATE_FINDS_PER_MINUTE: '1000000000',
    MAX_CONNECTIONS_PER_IP: '1000000000',
    ...BENCH_ABUSE_OFF,
  },
})
const redis = new Redis(process.env.TEST_REDIS_URL ?? TEST_REDIS_URL)
const multi: Array<Relay & { redisCommands: number; redisCpuUs: number }> = []
try {
  const urls = cluster.nodes.map(n => n.wsUrl)
  const pids = cluster.nodes.map(n => n.proc.pid)
  for (let r = 0; r < ROUNDS; r++) {
    const before = await redisInfo(redis)
    const x = await runLoad<Relay>('relay-load.ts', {
      url: urls[0],
      urls,
      kind: 'app',
      pairs: PAIRS,
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      serverPid: pids[0],
      serverPids: pids,
      origin: 'http://127.0.0.1',
    })
    const after = await redisInfo(redis)
    // Warm-up and pairing are in the window too: an upper bound per measured message.
    const row = { ...x, redisCommands: (after.commands - before.commands) / x.messages, redisCpuUs: (after.cpuUs - before.cpuUs) / x.messages }
    multi.push(row)
    console.log(
      `  round ${r + 1} 3 nodes    ${fmt(x.rate)} msg/s   p50 ${x.p50Ms.toFixed(2)} ms   p99 ${x.p99Ms.toFixed(2)} ms   node CPU ${x.cpuUsPerMessage.toFixed(1)} µs/msg   Redis ${row.redisCommands.toFixed(2)} cmds, ${row.redisCpuUs.toFixed(1)} µs CPU per msg`,
    )
  }
} finally {
  redis.disconnect()
  await cluster.stop()
}

const m = (xs: number[]) => median(xs)
const s = { rate: m(single.map(x => x.rate)), p50: m(single.map(x => x.p50Ms)), p99: m(single.map(x => x.p99Ms)), cpu: m(single.map(x => x.cpuUsPerMessage)) }
const c = {
  rate: m(multi.map(x => x.rate)),
  p50: m(multi.map(x => x.p50Ms)),
  p99: m(multi.map(x => x.p99Ms)),
  cpu: m(multi.map(x => x.cpuUsPerMessage)),
  cmds: m(multi.map(x => x.redisCommands)),
  rcpu: m(multi.map(x => x.redisCpuUs)),
}
console.log('\nmedians')
console.log(`  1 node:              ${fmt(s.rate)} msg/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms   ${s.cpu.toFixed(1)} µs server CPU/msg`)
console.log(
  `  3 nodes, cross-node: ${fmt(c.rate)} msg/s   p50 ${c.p50.toFixed(2)} ms   p99 ${c.p99.toFixed(2)} ms   ${c.cpu.toFixed(1)} µs node CPU/msg + ${c.rcpu.toFixed(1)} µs Redis CPU/msg, ${c.cmds.toFixed(2)} Redis commands/msg`,
)
console.log(`  cross-node / single-node throughput: ${(c.rate / s.rate).toFixed(2)}× (goal ≥ 0.5×); cross-node p99 ${c.p99.toFixed(2)} ms (goal < 10 ms)`)
process.exit(0)
