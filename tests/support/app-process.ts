// The app as a real child process (`bun api/main.ts`), for tests that need signals, exits and
// restarts. Its JSON log lines are collected for assertions.
import type { Subprocess } from 'bun'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')
const BUN = resolve(ROOT, 'node_modules/.bin/bun')

export interface AppProcess {
  url: string
  wsUrl: string
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  /** Every stdout line so far, parsed (lines that are not JSON are kept as { raw }). */
  logs: Array<Record<string, unknown>>
  /** Resolves with the exit code. */
  exited: Promise<number>
  /** SIGTERM and wait (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number>
}

async function collect(stream: ReadableStream<Uint8Array>, into: Array<Record<string, unknown>>) {
  const decoder = new TextDecoder()
  let buf = ''
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true })
    let nl: number
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (!line.trim()) continue
      try {
        into.push(JSON.parse(line))
      } catch {
        into.push({ raw: line })
      }
    }
  }
}

/** Starts the app with exactly `env` (plus PATH/HOME) and waits until /healthz answers. */
export async function spawnApp(env: Record<string, string>, timeoutMs = 15_000): Promise<AppProcess> {
  const host = env.HOST ?? '127.0.0.1'
  const url = `http://${host}:${env.PORT}`
  const proc = Bun.spawn([BUN, 'api/main.ts'], {
    cwd: ROOT,
    // Proof of work off unless asked for: raw test clients find without solving (see tests/support/app.ts).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', POW_MODE: 'off', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const logs: Array<Record<string, unknown>> = []
  void collect(proc.stdout, logs)
  void collect(proc.stderr, logs)
  const until = Date.now() + timeoutMs
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`app exited with ${proc.exitCode} before it was healthy: ${JSON.stringify(logs)}`)
    const ok = await fetch(url + '/healthz').then(
      r => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > until) {
      proc.kill('SIGKILL')
      throw new Error(`app did not become healthy on ${url}: ${JSON.stringify(logs)}`)
    }
    await Bun.sleep(50)
  }
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws') + (env.WS_PATH ?? '/chat'),
    proc,
    logs,
    exited: proc.exited,
    async stop(ms = 15_000) {
      if (proc.exitCode !== null) return proc.exitCode
      proc.kill('SIGTERM')
      const code = await Promise.race([proc.exited, Bun.sleep(ms).then(() => null)])
      if (code !== null) return code
      proc.kill('SIGKILL')
      return proc.exited
    },
  }
}
