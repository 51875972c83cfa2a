// Starts a private memcached on a free loopback port, so tests can stop and restart it without
// touching any memcached the machine runs.
import type { Subprocess } from 'bun'

export interface Memcached {
  servers: string
  port: number
  stop(): Promise<void>
  start(): Promise<void>
}

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}

/** Waits until something listens on `port` (up) or nothing does (down); `what` names it in the error. */
export async function waitForPort(port: number, up: boolean, timeoutMs = 5000, what = 'memcached') {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const ok = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } }).then(
      s => (s.end(), true),
      () => false,
    )
    if (ok === up) return
    await Bun.sleep(25)
  }
  throw new Error(`${what} on ${port} did not ${up ? 'start' : 'stop'}`)
}

export async function startMemcached(port?: number): Promise<Memcached> {
  const p = port ?? (await freePort())
  let proc: Subprocess | null = null
  const bin = Bun.which('memcached') ?? '/usr/bin/memcached'
  const m: Memcached = {
    servers: `127.0.0.1:${p}`,
    port: p,
    async start() {
      if (proc) return
      const args = [bin, '-l', '127.0.0.1', '-p', String(p), '-U', '0', '-m', '64']
      if (process.getuid?.() === 0) args.push('-u', 'nobody')
      proc = Bun.spawn(args, { stdout: 'ignore', stderr: 'ignore' })
      await waitForPort(p, true)
    },
    async stop() {
      if (!proc) return
      proc.kill('SIGKILL')
      await proc.exited
      proc = null
      await waitForPort(p, false)
    },
  }
  await m.start()
  return m
}
