// Bans by IP hash, kept in the `bans` table so they hold across restarts and on both databases,
// with a short-lived cache entry per IP hash so the check before every find rarely reaches the
// database. A ban is lifted by moving its expiry to now (the row stays as history).
import { and, desc, eq, gt, max } from 'drizzle-orm'
import { tables, type Db } from '../../db'
import type { Cache } from '../cache/cache'
import { cleanText } from '../chat/text'

export interface Ban {
  id: number
  ipHash: string
  reason: string
  /** 'reports' (threshold reached) or 'operator' (the mod CLI). */
  source: string
  createdAt: number
  expiresAt: number
}

export interface BanStore {
  /** When the active ban on `ipHash` ends (ms epoch), or null when there is none. */
  activeUntil(ipHash: string): Promise<number | null>
  add(ipHash: string, ban: { seconds: number; reason: string; source: string }): Promise<{ ipHash: string; expiresAt: number }>
  /** Ends every active ban on `ipHash`; returns how many there were. */
  lift(ipHash: string): Promise<number>
  list(opts?: { includeExpired?: boolean; limit?: number }): Promise<Ban[]>
  /** When the latest ban on `ipHash` (active or not) was made, or null. */
  lastBannedAt(ipHash: string): Promise<number | null>
}

const { bans } = tables
export const banCacheKey = (ipHash: string) => `leetchat:ban:${ipHash}`

export function createBanStore(deps: { db: Db; cache: Cache; now: () => number; cacheSeconds: number }): BanStore {
  const { db, cache, now, cacheSeconds } = deps

  // A new ban overwrites the cache entry; a lookup only fills an empty one, so a lookup that read
  // the database just before a ban cannot put "not banned" back over it.
  const remember = (ipHash: string, until: number, overwrite: boolean) =>
    cacheSeconds <= 0
      ? Promise.resolve(false)
      : overwrite
        ? cache.set(banCacheKey(ipHash), String(until), cacheSeconds)
        : cache.add(banCacheKey(ipHash), String(until), cacheSeconds)

  async function fromDb(ipHash: string): Promise<number | null> {
    const [row] = await db
      .select({ until: max(bans.expiresAt) })
      .from(bans)
      .where(and(eq(bans.ipHash, ipHash), gt(bans.expiresAt, now())))
    const until = row?.until == null ? null : Number(row.until)
    return until !== null && until > now() ? until : null
  }

  return {
    async activeUntil(ipHash) {
      if (cacheSeconds > 0) {
        const hit = await cache.get(banCacheKey(ipHash))
        if (hit !== null) {
          const until = Number(hit)
          return until > now() ? until : null
        }
      }
      const until = await fromDb(ipHash)
      // '0' caches "not banned" too: most lookups are for people who are not.
      void remember(ipHash, until ?? 0, false)
      return until
    },

    async add(ipHash, ban) {
      const t = now()
      const expiresAt = t + ban.seconds * 1000
      await db.insert(bans).values({ ipHash, reason: cleanText(ban.reason).slice(0, 255), source: ban.source.slice(0, 16), createdAt: t, expiresAt })
      // A longer ban may already be in force; the cache holds whichever ends last.
      const until = Math.max(expiresAt, (await fromDb(ipHash)) ?? 0)
      await remember(ipHash, until, true)
      return { ipHash, expiresAt: until }
    },

    async lift(ipHash) {
      const t = now()
      const active = await db
        .select({ id: bans.id })
        .from(bans)
        .where(and(eq(bans.ipHash, ipHash), gt(bans.expiresAt, t)))
      if (active.length)
        await db
          .update(bans)
          .set({ expiresAt: t })
          .where(and(eq(bans.ipHash, ipHash), gt(bans.expiresAt, t)))
      await cache.delete(banCacheKey(ipHash))
      return active.length
    },

    async list(opts = {}) {
      const q = db.select().from(bans)
      const rows = await (opts.includeExpired ? q : q.where(gt(bans.expiresAt, now()))).orderBy(desc(bans.createdAt), desc(bans.id)).limit(opts.limit ?? 100)
      return rows.map(r => ({ ...r, id: Number(r.id), createdAt: Number(r.createdAt), expiresAt: Number(r.expiresAt) }))
    },

    async lastBannedAt(ipHash) {
      const [row] = await db
        .select({ at: max(bans.createdAt) })
        .from(bans)
        .where(eq(bans.ipHash, ipHash))
      return row?.at == null ? null : Number(row.at)
    },
  }
}
