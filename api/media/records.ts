// The `media` table: one row per stored file. Written once by the upload, read by the signed
// route, deleted by the sweeper. Plain queries only, so the same code runs on SQLite and MySQL.
import { and, asc, count, eq, inArray, isNotNull, lte } from 'drizzle-orm'
import { tables, type Db } from '../../db'

export type MediaRow = typeof tables.media.$inferSelect

export interface MediaRecords {
  insert(row: MediaRow): Promise<void>
  find(id: string): Promise<MediaRow | null>
  remove(ids: string[]): Promise<void>
  /** Rows whose retention has passed at `now`, oldest first. */
  expired(now: number, limit: number): Promise<Array<Pick<MediaRow, 'id' | 'storageKey'>>>
  /** Images `uploader` sent in `chatId` that the screen judged over the threshold (for reports). */
  flaggedImages(chatId: string, uploader: string): Promise<number>
}

export function createMediaRecords(db: Db): MediaRecords {
  const { media } = tables
  return {
    async insert(row) {
      await db.insert(media).values(row)
    },
    async find(id) {
      const rows = await db.select().from(media).where(eq(media.id, id)).limit(1)
      return rows[0] ?? null
    },
    async remove(ids) {
      if (ids.length) await db.delete(media).where(inArray(media.id, ids))
    },
    async expired(now, limit) {
      return db.select({ id: media.id, storageKey: media.storageKey }).from(media).where(lte(media.expiresAt, now)).orderBy(asc(media.expiresAt)).limit(limit)
    },
    // Rare (one per report) over a table the sweeper keeps small: no index on chat_id.
    async flaggedImages(chatId, uploader) {
      const [row] = await db
        .select({ n: count() })
        .from(media)
        .where(and(eq(media.chatId, chatId), eq(media.uploader, uploader), eq(media.flagged, true), isNotNull(media.screenScore)))
      return Number(row?.n ?? 0)
    },
  }
}
