// Opens the database named by DATABASE_URL (absent → SQLite file under the data folder) and
// applies the committed migrations of that dialect. Both dialects expose the same tables; the
// SQLite handle is typed as the MySQL one so that query code is written once (the two schema
// files keep identical table and property names, and callers avoid dialect-specific features:
// no returning(), no async transactions).
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { drizzle as drizzleSqlite } from 'drizzle-orm/bun-sqlite'
import { migrate as migrateSqlite } from 'drizzle-orm/bun-sqlite/migrator'
import { drizzle as drizzleMysql, type MySql2Database } from 'drizzle-orm/mysql2'
import { migrate as migrateMysql } from 'drizzle-orm/mysql2/migrator'
import mysql from 'mysql2/promise'
import * as mysqlSchema from './schema/mysql'
import * as sqliteSchema from './schema/sqlite'

export const tables = mysqlSchema
export type Db = MySql2Database<typeof mysqlSchema>

export interface OpenDatabase {
  db: Db
  dialect: 'mysql' | 'sqlite'
  /** Where it lives, without credentials, for logs. */
  describe: string
  /**
   * True when a trivial query succeeds within `timeoutMs` (for /readyz). Never rejects and never
   * waits longer than the bound, even when the server is unreachable or silent.
   */
  ping(timeoutMs?: number): Promise<boolean>
  /**
   * True when a one-row write (an upsert into `health`) commits within `timeoutMs`: a read-only
   * or full database still answers ping() but refuses every report. Never rejects; one at a time.
   */
  probeWrite(timeoutMs?: number): Promise<boolean>
  close(): Promise<void>
}

const MIGRATIONS = resolve(import.meta.dir, 'migrations')
const HEALTH_UPSERT_MYSQL = 'INSERT INTO health (id, checked_at) VALUES (1, ?) ON DUPLICATE KEY UPDATE checked_at = VALUES(checked_at)'
const PING_TIMEOUT_MS = 1000

/** Resolves `fallback` when `p` has not settled within `ms`; never rejects. */
function bounded<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(fallback), ms)
    p.then(
      v => (clearTimeout(timer), resolve(v)),
      () => (clearTimeout(timer), resolve(fallback)),
    )
  })
}

/**
 * One ping at a time: probes that arrive while one is running share its answer, so a hung
 * database cannot make readiness probes pile up and eat the connection pool.
 */
function singleFlight(fn: (timeoutMs: number) => Promise<boolean>): (timeoutMs?: number) => Promise<boolean> {
  let running: Promise<boolean> | null = null
  return (timeoutMs = PING_TIMEOUT_MS) => {
    running ??= fn(timeoutMs).finally(() => {
      running = null
    })
    return running
  }
}

export async function openDatabase(opts: { databaseUrl: string | null; dataDir: string }): Promise<OpenDatabase> {
  if (opts.databaseUrl) return openMysql(opts.databaseUrl)
  return openSqlite(join(opts.dataDir, 'leetchat.sqlite'))
}

const MIGRATE_LOCK_WAIT_S = 30

/**
 * Applies the migrations while holding a server-wide named lock, so that several nodes starting
 * at once on a fresh database do not all run them (the losers crashed with "table exists"): one
 * migrates, the others wait for the lock, then find nothing left to do. The lock is per database
 * (test runs on other databases of the same server are not held up) and belongs to one pooled
 * connection; it is released when that connection ends, even if this process dies mid-way.
 */
async function migrateUnderLock(pool: mysql.Pool, db: Db, database: string) {
  const lockName = `leetchat_migrate:${database}`.slice(0, 64)
  const conn = await pool.getConnection()
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [lockName, MIGRATE_LOCK_WAIT_S])
    if (rows[0]?.got !== 1) throw new Error(`another node held the migration lock for more than ${MIGRATE_LOCK_WAIT_S} s`)
    try {
      await migrateMysql(db, { migrationsFolder: join(MIGRATIONS, 'mysql') })
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => {})
    }
  } finally {
    conn.release()
  }
}

async function openMysql(url: string): Promise<OpenDatabase> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 10, connectTimeout: 5000, enableKeepAlive: true })
  const db = drizzleMysql({ client: pool, schema: mysqlSchema, mode: 'default' })
  const u = new URL(url)
  try {
    await migrateUnderLock(pool, db, decodeURIComponent(u.pathname.slice(1)))
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }
  return {
    db,
    dialect: 'mysql',
    describe: `mysql://${u.host}${u.pathname}`,
    // mysql2 can wait for a pooled connection for connectTimeout, and a query on a connection whose
    // peer went silent never settles: the query timeout destroys that connection, and the outer
    // bound covers the wait for a connection.
    ping: singleFlight(timeoutMs =>
      bounded(
        pool.query({ sql: 'select 1', timeout: timeoutMs }).then(() => true),
        timeoutMs,
        false,
      ),
    ),
    probeWrite: singleFlight(timeoutMs =>
      bounded(
        pool.query({ sql: HEALTH_UPSERT_MYSQL, values: [Date.now()], timeout: timeoutMs }).then(() => true),
        timeoutMs,
        false,
      ),
    ),
    async close() {
      await pool.end()
    },
  }
}

function openSqlite(file: string): OpenDatabase {
  mkdirSync(resolve(file, '..'), { recursive: true })
  const sqlite = new Database(file, { create: true })
  sqlite.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
  const db = drizzleSqlite({ client: sqlite, schema: sqliteSchema })
  migrateSqlite(db, { migrationsFolder: join(MIGRATIONS, 'sqlite') })
  const upsertHealth = sqlite.prepare('INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at')
  return {
    db: db as unknown as Db,
    dialect: 'sqlite',
    describe: `sqlite:${file}`,
    async ping() {
      try {
        sqlite.query('select 1').get()
        return true
      } catch {
        return false
      }
    },
    async probeWrite() {
      try {
        upsertHealth.run(Date.now())
        return true
      } catch {
        return false
      }
    },
    async close() {
      sqlite.close()
    },
  }
}
