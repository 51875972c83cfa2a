// A real Redis Cluster for tests: three masters (no replicas) on free loopback ports, each with its
// own directory and nodes.conf, no persistence. tests/run.ts starts one for the integration pass
// and exposes it as TEST_REDIS_CLUSTER_NODES (host:port,…); tests use their own key prefix on it
// as on the shared Redis. By hand:
//
//   bun tests/support/redis-cluster.ts          starts one, prints its env line, stops on Ctrl-C
import type { Subprocess } from 'bun'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitForPort } from './memcached'

export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES ?? ''

export interface RedisClusterUnderTest {
  /** host:port of every master, comma-separated (REDIS_CLUSTER_NODES). */
  nodes: string
  ports: number[]
  /** SIGKILL one master (its slots fail; the others go on). */
  kill(i: number): Promise<void>
  /** SIGSTOP one master: its connections stay open and its commands hang, as on a stalled host. */
  freeze(i: number): void
  /** SIGCONT a frozen master: it answers what it was sent meanwhile, with its data. */
  thaw(i: number): void
  /** Starts a killed master again on its port and nodes.conf (it comes back empty: no persistence). */
  restart(i: number): Promise<void>
  /**
   * Moves `slots` of master `from`'s slots (all of them by default) to master `to` with
   * `redis-cli --cluster reshard`, as an operator would: slot by slot, keys migrated while the
   * cluster serves (clients meet ASK and TRYAGAIN meanwhile, MOVED after).
   */
  reshard(from: number, to: number, slots?: number): Promise<void>
  /** Resolves once every master says cluster_state:ok. */
  waitOk(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

// A master that fails is noticed within 2 s (default 15 s), and the other masters keep serving
// their slots meanwhile and after (the default stops the whole cluster when any slot is lost):
// what an operator should set too for "the other shards go on" (docs/cluster.md).
const FAILURE_OPTS = ['--cluster-node-timeout', '2000', '--cluster-require-full-coverage', 'no']

/** A port P whose cluster bus port P+10000 is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = await freePort()
    if (p + 10000 > 65535 || taken.has(p)) continue
    const bus = Bun.listen({ hostname: '127.0.0.1', port: p + 10000, socket: { data() {} } })
    bus.stop(true)
    taken.add(p)
    return p
  }
  throw new Error('no free port pair for a Redis Cluster node')
}

async function cli(args: string[]): Promise<string> {
  const p = Bun.spawn([Bun.which('redis-cli') ?? '/usr/bin/redis-cli', ...args], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  if ((await p.exited) !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${err || out}`)
  return out
}

export async function startRedisCluster(masters = 3): Promise<RedisClusterUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'leetchat-rcluster-'))
  const taken = new Set<number>()
  const ports: number[] = []
  for (let i = 0; i < masters; i++) ports.push(await clusterPort(taken))
  const procs: Array<Subprocess | null> = ports.map(() => null)
  const bin = Bun.which('redis-server') ?? '/usr/bin/redis-server'

  async function launch(i: number) {
    const p = ports[i]!
    procs[i] = Bun.spawn(
      [
        bin,
        '--port',
        String(p),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${p}.conf`,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        ...FAILURE_OPTS,
      ],
      { stdout: 'ignore', stderr: 'ignore' },
    )
    await waitForPort(p, true, 5000, 'redis-server (cluster)')
  }

  async function waitOk(timeoutMs = 15_000) {
    const until = Date.now() + timeoutMs
    for (;;) {
      const states = await Promise.all(ports.map((p, i) => (procs[i] ? cli(['-p', String(p), 'cluster', 'info']).catch(() => '') : Promise.resolve('cluster_state:ok'))))
      if (states.every(s => s.includes('cluster_state:ok'))) return
      if (Date.now() > until) throw new Error(`Redis Cluster on ${ports.join(',')} not ok within ${timeoutMs} ms`)
      await Bun.sleep(100)
    }
  }

  const c: RedisClusterUnderTest = {
    nodes: ports.map(p => `127.0.0.1:${p}`).join(','),
    ports,
    waitOk,
    async kill(i) {
      const p = procs[i]
      if (!p) return
      p.kill('SIGKILL')
      await p.exited
      procs[i] = null
      await waitForPort(ports[i]!, false, 5000, 'redis-server (cluster)')
    },
    async reshard(from, to, slots) {
      const id = async (i: number) => (await cli(['-p', String(ports[i]!), 'cluster', 'myid'])).trim()
      const [src, dst] = [await id(from), await id(to)]
      // The slot ranges are the fields after the ninth of the master's line in CLUSTER NODES.
      const line = (await cli(['-p', String(ports[from]!), 'cluster', 'nodes'])).split('\n').find(l => l.startsWith(src)) ?? ''
      const owned = line
        .split(' ')
        .slice(8)
        .filter(r => /^\d+(-\d+)?$/.test(r))
        .map(r => r.split('-').map(Number))
        .reduce((n, [a, b]) => n + ((b ?? a!) - a! + 1), 0)
      const count = Math.min(slots ?? owned, owned)
      if (!count) return
      await cli(['--cluster', 'reshard', `127.0.0.1:${ports[from]}`, '--cluster-from', src, '--cluster-to', dst, '--cluster-slots', String(count), '--cluster-yes'])
    },
    freeze(i) {
      procs[i]?.kill('SIGSTOP')
    },
    thaw(i) {
      procs[i]?.kill('SIGCONT')
    },
    async restart(i) {
      if (procs[i]) return
      await launch(i)
    },
    async stop() {
      await Promise.all(
        procs.map(async p => {
          if (!p) return
          p.kill('SIGCONT')
          p.kill('SIGKILL')
          await p.exited
        }),
      )
      procs.fill(null)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    for (let i = 0; i < masters; i++) await launch(i)
    await cli(['--cluster', 'create', ...ports.map(p => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
    await waitOk()
  } catch (err) {
    await c.stop()
    throw err
  }
  return c
}

if (import.meta.main) {
  const c = await startRedisCluster()
  console.log(`TEST_REDIS_CLUSTER_NODES=${c.nodes}`)
  console.log('Redis Cluster up (3 masters); Ctrl-C stops it.')
  const stop = () => void c.stop().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  await new Promise(() => {})
}
