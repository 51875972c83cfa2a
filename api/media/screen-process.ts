// Starts a screening worker script in a process of its own, below the chat's CPU priority: the
// kernel then gives the chat's threads the cores first, and the classifier the time left over.
// Bun's Worker threads cannot be given a lower priority (they share the server's nice value),
// so the pool in screen.ts runs its classifier here instead.
import type { Subprocess } from 'bun'

export interface ScreenProcessOptions {
  /** Nice value for the process and every thread it starts (0 = the server's own priority). */
  nice: number
  onMessage(m: unknown): void
  /** The process is gone; `why` ends with the last of what it printed on stderr. */
  onExit(why: string): void
}

export interface ScreenProcess {
  readonly pid: number
  /** It runs at the nice value asked for (false where there is no nice(1)). */
  readonly niced: boolean
  send(m: unknown): void
  /** Ends it at once (SIGKILL: a classifier holds nothing worth a goodbye). */
  kill(): void
}

const HOST = new URL('./screen-host.ts', import.meta.url).pathname
let niceBin: string | null | undefined

/** argv that runs `argv` at `nice`, or as it is where there is no nice(1) (logged by the caller). */
export function niced(argv: string[], nice: number): { argv: string[]; niced: boolean } {
  if (nice <= 0) return { argv, niced: false }
  niceBin ??= Bun.which('nice')
  return niceBin ? { argv: [niceBin, '-n', String(nice), ...argv], niced: true } : { argv, niced: false }
}

export function startScreenProcess(script: URL, opts: ScreenProcessOptions): ScreenProcess {
  const cmd = niced([process.execPath, HOST, script.pathname], opts.nice)
  let stderr = ''
  let gone = false
  const proc: Subprocess<'ignore', 'ignore', 'pipe'> = Bun.spawn(cmd.argv, {
    stdio: ['ignore', 'ignore', 'pipe'],
    serialization: 'json',
    // The classifier needs nothing from the server's environment (its secrets least of all).
    env: {},
    ipc: m => opts.onMessage(m),
    onExit: (_p, code, signal) => {
      gone = true
      // Let the stderr reader catch up so the log says why.
      setTimeout(() => opts.onExit(`exit ${signal ?? code}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`), 20)
    },
  })
  void (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of proc.stderr) stderr = (stderr + decoder.decode(chunk)).slice(-2000)
  })().catch(() => {})
  // The process must not keep a stopping server (a CLI, a test) alive on its own.
  proc.unref()
  return {
    pid: proc.pid,
    niced: cmd.niced,
    send(m) {
      if (!gone) proc.send(m)
    },
    kill() {
      if (!gone) proc.kill('SIGKILL')
    },
  }
}
