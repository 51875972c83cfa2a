// Structured one-line JSON logs with levels. Never log message bodies or raw IPs: callers pass
// ip hashes and counts only.
export type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  child(fields: Record<string, unknown>): Logger
}

/**
 * stdout as a log sink that can never take the server down: a reader that went away (a closed
 * pipe: EPIPE) loses log lines, not the process.
 */
function writeStdout(line: string) {
  try {
    process.stdout.write(line + '\n')
  } catch {
    // nowhere left to report it
  }
}
process.stdout.on?.('error', () => {})

export function createLogger(level: Level | 'silent' = 'info', base: Record<string, unknown> = {}, write: (line: string) => void = writeStdout): Logger {
  const min = ORDER[level]
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }
    const err = rec.err
    if (err instanceof Error) rec.err = { message: err.message, name: err.name }
    write(JSON.stringify(rec))
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: fields => createLogger(level, { ...base, ...fields }, write),
  }
}
