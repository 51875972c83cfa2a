// Starts the servers under test as real subprocesses: the app exactly as `bun run start` runs it,
// and the two Bun.serve baselines. File-descriptor limits are raised to the hard limit first, so
// thousands of sockets fit.
import type { Subprocess } from 'bun'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../support/memcached'

export const ROOT = resolve(import.meta.dir, '../..')
export const BUN = existsSync(join(ROOT, 'node_modules/.bin/bun')) ? join(ROOT, 'node_modules/.bin/bun') : process.execPath

/** Runs argv with `ulimit -n` raised as far as allowed (exec keeps the pid). */
export function withOpenFiles(argv: string[]): string[] {
  return ['sh', '-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...argv]
}

export interface RunningServer {
  name: string
  pid: number
  port: number
  url: string
  origin: string
  stop(): Promise<void>
}

async function firstLine(proc: Subprocess<'ignore', 'pipe', 'inherit'>): Promise<string> {
  const reader = proc.stdout.getReader()
  let text = ''
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error('server exited before printing its port')
    text += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  return text.split('\n')[0]!.trim()
}

function stopper(proc: Subprocess, cleanup?: () => void) {
  return async () => {
    proc.kill('SIGTERM')
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
    await proc.exited
    clearTimeout(t)
    cleanup?.()
  }
}

export async function startBaseline(name: 'floor' | 'forwarder'): Promise<RunningServer> {
  const proc = Bun.spawn(withOpenFiles([BUN, join(import.meta.dir, `baseline-${name}.ts`)]), {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
    env: { ...process.env, PORT: '0' },
  })
  const port = Number(await firstLine(proc))
  return { name, pid: proc.pid, port, url: `ws://127.0.0.1:${port}/`, origin: `http://127.0.0.1:${port}`, stop: stopper(proc) }
}

/**
 * The abuse rules, off for the load benches: they play thousands of clients from one
 * address sending one text to many strangers, with no proof of work.
 */
export const BENCH_ABUSE_OFF: Record<string, string> = {
  POW_MODE: 'off',
  SPAM_REPEAT_STRANGERS: '0',
  SPAM_LINK_GRACE_SECONDS: '0',
  RATE_SESSIONS_PER_MINUTE: '1000000000',
  MAX_SESSIONS_PER_IP: '1000000000',
  MAX_SESSIONS: '1000000000',
}

/** The bench plays thousands of clients from one address: the per-client limits lifted, abuse screens off. */
export const BENCH_LIMITS_OFF: Record<string, string> = {
  RATE_TEXT_PER_SECOND: '1000000000',
  RATE_TEXT_BURST: '1000000000',
  RATE_FINDS_PER_MINUTE: '1000000000',
  MAX_CONNECTIONS_PER_IP: '1000000000',
  ...BENCH_ABUSE_OFF,
}

/** `extraEnv` adds to (or overrides) the bench's settings, e.g. a short RESUME_WINDOW_MS for the soak. */
export async function startApp(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-bench-'))
  const origin = `http://127.0.0.1:${port}`
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: origin,
    ALLOWED_ORIGINS: origin,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...BENCH_LIMITS_OFF,
    ...extraEnv,
  }
  delete env.DATABASE_URL
  delete env.MEMCACHED_SERVERS
  const proc = Bun.spawn(withOpenFiles([BUN, 'api/main.ts']), { cwd: ROOT, stdin: 'ignore', stdout: 'inherit', stderr: 'inherit', env })
  const until = Date.now() + 15_000
  for (;;) {
    const ok = await fetch(`${origin}/healthz`).then(
      r => r.ok,
      () => false,
    )
    if (ok) break
    if (proc.exitCode !== null || Date.now() > until) throw new Error('the app did not start')
    await Bun.sleep(50)
  }
  return { name: 'app', pid: proc.pid, port, url: `ws://127.0.0.1:${port}/chat`, origin, stop: stopper(proc, () => rmSync(dataDir, { recursive: true, force: true })) }
}

/** Runs a load generator in its own process and returns the JSON line it prints. */
export async function runLoad<T>(script: string, args: object): Promise<T> {
  const proc = Bun.spawn(withOpenFiles([BUN, join(import.meta.dir, script), JSON.stringify(args)]), { cwd: ROOT, stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' })
  const timer = setTimeout(() => proc.kill('SIGKILL'), 180_000)
  const out = await new Response(proc.stdout).text()
  const code = await proc.exited
  clearTimeout(timer)
  const line = out.trim().split('\n').pop() ?? ''
  if (code !== 0 || !line.startsWith('{')) throw new Error(`${script} failed (exit ${code}): ${out.slice(-500)}`)
  return JSON.parse(line) as T
}
