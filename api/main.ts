// Process entry for `bun run start`: config → app → graceful shutdown on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from './config'
import { startApp } from './app'
import { createLogger } from './log'

// tRPC and others read NODE_ENV; Bun leaves it unset, which would mean development behaviour.
process.env.NODE_ENV ??= 'production'

let config: Config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message)
    process.exit(1)
  }
  throw err
}

const log = createLogger(config.logLevel)
let app: Awaited<ReturnType<typeof startApp>> | undefined

// A rejection or exception no code handled is a bug, but one caller's bug must not end every
// chat on this node (Bun exits with 1 by default): log it, count it, go on. Every port call is
// meant to be handled where it is made; this is the net under them, watched by a metric.
function unhandled(kind: 'rejection' | 'exception', err: unknown) {
  log.error(kind === 'rejection' ? 'unhandled rejection' : 'uncaught exception', { err })
  app?.services.metrics.inc('unhandled_errors_total', { kind })
}
process.on('unhandledRejection', err => unhandled('rejection', err))
process.on('uncaughtException', err => unhandled('exception', err))

try {
  app = await startApp(config, { log })
} catch (err) {
  log.error('start-up failed', { err })
  process.exit(1)
}

// SIGTERM (systemd stop/restart) or SIGINT (Ctrl-C): drain and exit within SHUTDOWN_TIMEOUT_MS.
// Repeated signals are ignored, not escalated: under `bun run start` the same signal arrives twice
// (bun forwards it, and systemd or the terminal also signals the whole process group).
let shuttingDown = false
async function shutdown(signal: string) {
  if (shuttingDown) return
  shuttingDown = true
  const started = performance.now()
  log.info('shutting down', { signal, timeoutMs: config.shutdownTimeoutMs })
  const timer = setTimeout(() => {
    log.error('shutdown took too long, exiting', { timeoutMs: config.shutdownTimeoutMs })
    process.exit(1)
  }, config.shutdownTimeoutMs)
  try {
    await app?.stop()
  } catch (err) {
    log.error('shutdown failed', { err })
    process.exit(1)
  }
  clearTimeout(timer)
  log.info('stopped', { ms: Math.round(performance.now() - started) })
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
