// Stills of the stranger's video that reporters chose to send with a report: evidence for the
// moderators, so checked hard, kept apart from chat media and for no longer than needed. The JPEG
// lives under DATA_DIR/media (the folder every node shares) under a random key that only the
// report's row names: the media sweeper never sees it (it sweeps `media` rows), and no signed
// /media link can reach it. It is deleted when a moderator handles the report, or after
// REPORT_STILL_RETENTION_SECONDS; the console shows it only through its own signed-in route.
import { fileTypeFromBuffer } from 'file-type'
import { and, eq, inArray, isNotNull, lte, or } from 'drizzle-orm'
import { tables, type Db } from '../../db'
import { REPORT_STILL_MAX_BYTES, REPORT_STILL_MAX_SIDE, type ReportStillCode } from './still-limits'
import type { Logger } from '../log'
import { imageSize } from '../media/image-size'
import type { MediaStorage } from '../media/storage'

export type StillCheck = { ok: true; jpeg: Uint8Array; width: number; height: number } | { ok: false; code: ReportStillCode; message: string }

/** What the answer to reports.create says about a still that was sent. */
export type StillOutcome = { stored: true } | { stored: false; code: ReportStillCode; message: string }

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const refuse = (code: ReportStillCode, message: string): StillCheck => ({ ok: false, code, message })

/**
 * Decodes and checks a still: strict base64, the byte cap, a JPEG by its bytes (file-type's
 * signature check, not a claim), a frame header that gives sane sides within the cap, and the
 * end-of-image marker (a truncated or padded file is refused). It is not decoded here: the
 * console shows it as an image/jpeg with nosniff under its CSP, to signed-in moderators only.
 */
export async function checkStill(b64: string): Promise<StillCheck> {
  // Three bytes per four characters: refuse oversize before decoding anything.
  if (Math.floor((b64.length * 3) / 4) - 2 > REPORT_STILL_MAX_BYTES) {
    return refuse('still_too_large', `a still is at most ${REPORT_STILL_MAX_BYTES} bytes`)
  }
  if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) return refuse('still_bad_base64', 'the still is not valid base64')
  const jpeg = Buffer.from(b64, 'base64')
  if (jpeg.length > REPORT_STILL_MAX_BYTES) return refuse('still_too_large', `a still is at most ${REPORT_STILL_MAX_BYTES} bytes`)
  const sniffed = await fileTypeFromBuffer(jpeg).catch(() => undefined)
  if (sniffed?.mime !== 'image/jpeg') return refuse('still_not_jpeg', 'the still is not a JPEG')
  const read = (offset: number, length: number) => Promise.resolve(jpeg.subarray(offset, Math.min(jpeg.length, offset + length)))
  const size = await imageSize('image/jpeg', read, jpeg.length)
  if (!size || size.width < 1 || size.height < 1) return refuse('still_not_jpeg', 'the still has no readable JPEG frame header')
  if (size.width > REPORT_STILL_MAX_SIDE || size.height > REPORT_STILL_MAX_SIDE) {
    return refuse('still_too_big', `a still is at most ${REPORT_STILL_MAX_SIDE}×${REPORT_STILL_MAX_SIDE} pixels; this one is ${size.width}×${size.height}`)
  }
  if (jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== 0xd9) return refuse('still_not_jpeg', 'the still is not a complete JPEG')
  return { ok: true, jpeg, width: size.width, height: size.height }
}

export interface ReportStills {
  /** Writes a checked still; its storage key, for the report's row. */
  save(jpeg: Uint8Array): Promise<string>
  /** Deletes a stored file (a report that could not be stored after its still was). */
  discard(key: string): Promise<void>
  /** Deletes the stills of these reports (handled by a moderator) and clears their columns. */
  release(reportIds: number[]): Promise<number>
  /** Deletes the stills past retention and any a handled report still holds (a failed release). */
  sweep(now: number): Promise<number>
  /** The file of report `id`'s still, or null when it has none (any more). */
  fileOf(id: number): Promise<{ path: string; width: number; height: number } | null>
}

const { reports, reportActions } = tables
const BATCH = 200

export function createReportStills(deps: { db: Db; storage: MediaStorage; retentionMs: number; log: Logger }): ReportStills {
  const { db, storage, retentionMs, log } = deps

  /** Removes the files first, then clears the rows whose file is gone (a failed delete is retried later). */
  async function drop(rows: Array<{ id: number; key: string | null }>): Promise<number> {
    const done: number[] = []
    for (const r of rows) {
      if (!r.key) continue
      try {
        await storage.remove(r.key)
        done.push(r.id)
      } catch (err) {
        log.warn('could not delete a report still', { id: r.id, err })
      }
    }
    if (done.length) await db.update(reports).set({ stillKey: null, stillWidth: null, stillHeight: null }).where(inArray(reports.id, done))
    return done.length
  }

  return {
    async save(jpeg) {
      const w = await storage.write(new Blob([jpeg as Uint8Array<ArrayBuffer>]).stream(), REPORT_STILL_MAX_BYTES)
      if (!w.ok) throw new Error(`report still not written: ${w.reason}`)
      return storage.commit(w.tmp)
    },

    async discard(key) {
      await storage.remove(key).catch((err: unknown) => log.warn('could not delete a report still', { err }))
    },

    async release(ids) {
      if (!ids.length) return 0
      const rows = await db
        .select({ id: reports.id, key: reports.stillKey })
        .from(reports)
        .where(and(inArray(reports.id, ids), isNotNull(reports.stillKey)))
      return drop(rows.map(r => ({ id: Number(r.id), key: r.key })))
    },

    async sweep(now) {
      let removed = 0
      for (;;) {
        const rows = await db
          .select({ id: reports.id, key: reports.stillKey })
          .from(reports)
          .leftJoin(reportActions, eq(reportActions.reportId, reports.id))
          .where(and(isNotNull(reports.stillKey), or(lte(reports.createdAt, now - retentionMs), isNotNull(reportActions.reportId))))
          .limit(BATCH)
        if (rows.length === 0) break
        const n = await drop(rows.map(r => ({ id: Number(r.id), key: r.key })))
        removed += n
        if (rows.length < BATCH || n === 0) break
      }
      return removed
    },

    async fileOf(id) {
      const [row] = await db.select({ key: reports.stillKey, width: reports.stillWidth, height: reports.stillHeight }).from(reports).where(eq(reports.id, id)).limit(1)
      if (!row?.key) return null
      return { path: storage.path(row.key), width: Number(row.width), height: Number(row.height) }
    },
  }
}
