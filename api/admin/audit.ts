// The console's audit log: append-only rows in `admin_audit` (nothing here updates or deletes).
// The address is the keyed IP hash of whoever acted, never the address itself.
import { and, desc, eq, like, lt, type SQL } from 'drizzle-orm'
import { tables, type Db } from '../../db'
import { cleanText } from '../chat/text'
import type { AuditAction } from './types'

export { AUDIT_ACTIONS, type AuditAction } from './types'

export interface AuditEntry {
  id: number
  at: number
  actor: string
  action: AuditAction
  target: string
  detail: string | null
  addressHash: string
}

export interface AuditFilter {
  actor?: string
  action?: AuditAction
  /** Target starts with this (an IP hash, a report id "report:12", an account name). */
  target?: string
  /** Rows older than this id (paging back). */
  before?: number
  limit?: number
}

const { adminAudit } = tables

export function createAudit(db: Db, now: () => number = Date.now) {
  return {
    async record(e: { actor: string; action: AuditAction; target?: string; detail?: string | null; addressHash: string }): Promise<void> {
      await db.insert(adminAudit).values({
        at: now(),
        actor: e.actor.slice(0, 64),
        action: e.action,
        target: cleanText(e.target ?? '').slice(0, 128),
        detail: e.detail == null ? null : cleanText(e.detail).slice(0, 2000),
        addressHash: e.addressHash.slice(0, 64),
      })
    },

    async list(f: AuditFilter = {}): Promise<AuditEntry[]> {
      const where: SQL[] = []
      if (f.actor) where.push(eq(adminAudit.actor, f.actor))
      if (f.action) where.push(eq(adminAudit.action, f.action))
      if (f.target) where.push(like(adminAudit.target, `${f.target.replace(/[\\%_]/g, c => `\\${c}`)}%`))
      if (f.before) where.push(lt(adminAudit.id, f.before))
      const rows = await db
        .select()
        .from(adminAudit)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(adminAudit.id))
        .limit(Math.min(f.limit ?? 100, 500))
      return rows.map(r => ({ ...r, id: Number(r.id), at: Number(r.at), action: r.action as AuditAction }))
    },
  }
}

export type Audit = ReturnType<typeof createAudit>
