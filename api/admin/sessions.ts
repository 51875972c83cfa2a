// Console sessions: a random token in a cookie of its own, stored only as its SHA-256 in
// `admin_sessions`, so every node (and the CLI, which revokes by deleting rows) sees the same
// sessions. A session ends when idle past ADMIN_IDLE_MINUTES, at ADMIN_SESSION_HOURS after
// sign-in, on sign-out, and when its account's password changes or the account is removed.
import { createHash, randomBytes } from 'node:crypto'
import { and, eq, lt, or } from 'drizzle-orm'
import { tables, type Db } from '../../db'
import type { Config } from '../config'
import type { Secrets } from '../secrets'
import type { Accounts, Role } from './accounts'

export const COOKIE = '__Host-leetchat_admin'
const TOKEN_SHAPE = /^[\w-]{43}$/
// lastSeenAt is written at most this often: reading the console should not mean a write per call.
const TOUCH_EVERY_MS = 30_000

export interface ConsoleSession {
  id: string
  accountId: number
  name: string
  role: Role
  totp: boolean
  /** What state-changing calls must send in X-CSRF-Token. */
  csrf: string
}

const { adminSessions } = tables
const idOf = (token: string) => createHash('sha256').update(token).digest('hex')

export function createConsoleSessions(deps: { db: Db; accounts: Accounts; secrets: Secrets; config: Pick<Config, 'adminIdleMinutes' | 'adminSessionHours'>; now: () => number }) {
  const { db, accounts, secrets, config, now } = deps
  const idleMs = config.adminIdleMinutes * 60_000
  const maxMs = config.adminSessionHours * 3_600_000
  const csrfOf = (id: string) => secrets.sign('admin-csrf', id)

  return {
    idleMs,
    maxMs,
    async create(accountId: number): Promise<{ token: string }> {
      const token = randomBytes(32).toString('base64url')
      const t = now()
      // Sessions that ran out are cleared on the way (no job needed for a table this small).
      await db.delete(adminSessions).where(or(lt(adminSessions.lastSeenAt, t - idleMs), lt(adminSessions.createdAt, t - maxMs)))
      await db.insert(adminSessions).values({ id: idOf(token), accountId, createdAt: t, lastSeenAt: t })
      return { token }
    },

    /** The live session for a cookie value, or null (unknown, ended, or its account is gone). */
    async resolve(token: string | undefined): Promise<ConsoleSession | null> {
      if (!token || !TOKEN_SHAPE.test(token)) return null
      const id = idOf(token)
      const [row] = await db.select().from(adminSessions).where(eq(adminSessions.id, id)).limit(1)
      if (!row) return null
      const t = now()
      if (t - Number(row.lastSeenAt) > idleMs || t - Number(row.createdAt) > maxMs) {
        await db.delete(adminSessions).where(eq(adminSessions.id, id))
        return null
      }
      const account = await accounts.get(Number(row.accountId))
      if (!account) return null
      if (t - Number(row.lastSeenAt) > TOUCH_EVERY_MS) await db.update(adminSessions).set({ lastSeenAt: t }).where(eq(adminSessions.id, id))
      return { id, accountId: account.id, name: account.name, role: account.role, totp: account.totp, csrf: csrfOf(id) }
    },

    csrfMatches(session: ConsoleSession, header: string | undefined): boolean {
      return !!header && secrets.verify('admin-csrf', session.id, header)
    },

    async end(id: string) {
      await db.delete(adminSessions).where(eq(adminSessions.id, id))
    },

    async endAllOf(accountId: number, except?: string) {
      const all = eq(adminSessions.accountId, accountId)
      const rows = await db.select({ id: adminSessions.id }).from(adminSessions).where(all)
      for (const r of rows) if (r.id !== except) await db.delete(adminSessions).where(and(all, eq(adminSessions.id, r.id)))
    },
  }
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>
