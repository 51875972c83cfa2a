// Reports in the `reports` table: written by reports.create, read by the mod CLI and by the ban
// threshold. Sessions are stored as keyed hashes of their tokens (a token is a bearer
// credential), addresses as IP hashes.
import { and, countDistinct, desc, eq, gte, ne } from 'drizzle-orm'
import { tables, type Db } from '../../db'
import { isUniqueViolation } from '../../db/errors'

export const REPORT_REASONS = ['spam', 'abuse', 'sexual', 'minor', 'other'] as const
export type ReportReason = (typeof REPORT_REASONS)[number]

export interface TranscriptLine {
  from: 'reporter' | 'reported'
  body: string
  at: number
}

export interface NewReport {
  chatId: string
  reporterSession: string
  reportedSession: string
  reporterIpHash: string
  reportedIpHash: string
  reason: ReportReason
  note: string | null
  transcript: TranscriptLine[] | null
  /** Images the reported side sent in this chat that the image screen flagged. */
  flaggedImages?: number
  createdAt: number
}

export interface Report extends NewReport {
  id: number
  flaggedImages: number
}

export interface ReportStore {
  /** 'duplicate' when this reporter already reported this chat (unique index). */
  insert(r: NewReport): Promise<'created' | 'duplicate'>
  /** Distinct reporter IP hashes (other than its own) that reported `ipHash` since `since`. */
  distinctReporters(ipHash: string, since: number): Promise<number>
  list(opts?: { limit?: number }): Promise<Report[]>
  get(id: number): Promise<Report | null>
}

const { reports } = tables
type Row = typeof reports.$inferSelect

function fromRow(r: Row): Report {
  let transcript: TranscriptLine[] | null = null
  if (r.transcript) {
    try {
      transcript = JSON.parse(r.transcript) as TranscriptLine[]
    } catch {
      transcript = null
    }
  }
  return { ...r, id: Number(r.id), flaggedImages: Number(r.flaggedImages), createdAt: Number(r.createdAt), reason: r.reason as ReportReason, transcript }
}

export function createReportStore(db: Db): ReportStore {
  return {
    async insert(r) {
      try {
        await db.insert(reports).values({ ...r, transcript: r.transcript ? JSON.stringify(r.transcript) : null })
        return 'created'
      } catch (err) {
        if (isUniqueViolation(err)) return 'duplicate'
        throw err
      }
    },

    async distinctReporters(ipHash, since) {
      const [row] = await db
        .select({ n: countDistinct(reports.reporterIpHash) })
        .from(reports)
        .where(and(eq(reports.reportedIpHash, ipHash), gte(reports.createdAt, since), ne(reports.reporterIpHash, ipHash)))
      return Number(row?.n ?? 0)
    },

    async list(opts = {}) {
      const rows = await db
        .select()
        .from(reports)
        .orderBy(desc(reports.createdAt), desc(reports.id))
        .limit(opts.limit ?? 20)
      return rows.map(fromRow)
    },

    async get(id) {
      const [row] = await db.select().from(reports).where(eq(reports.id, id)).limit(1)
      return row ? fromRow(row) : null
    },
  }
}
