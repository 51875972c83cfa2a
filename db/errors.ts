// Driver-neutral reading of database errors. Drizzle wraps driver errors (its message carries the
// query and its parameters, so never log it whole); the driver's code sits on the cause chain.

function* causes(err: unknown): Generator<Record<string, unknown>> {
  let e: unknown = err
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    yield e as Record<string, unknown>
    e = (e as { cause?: unknown }).cause
  }
}

/** The driver's error code (ER_DUP_ENTRY, SQLITE_CONSTRAINT_UNIQUE, ECONNREFUSED…), for logs. */
export function dbErrorCode(err: unknown): string {
  for (const e of causes(err)) if (typeof e.code === 'string') return e.code
  return 'unknown'
}

/** True when the statement broke a unique index (MySQL/MariaDB or SQLite). */
export function isUniqueViolation(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e.code === 'ER_DUP_ENTRY' || e.errno === 1062) return true
    if (typeof e.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE|PRIMARYKEY/.test(e.code)) return true
  }
  return false
}
