// Reports in the `reports` table: written by reports.create, read by the mod CLI and by the ban
// threshold. Sessions are stored as keyed hashes of their tokens (a token is a bearer
// credential), addresses as IP hashes.
import { and, countDistinct, desc, eq, gte, inArray, isNull, ne, or, sql } from 'drizzle-orm'
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
  /** The reporter's network (secrets.hashNetwork); absent, the reporter's address stands for it. */
  reporterNetHash?: string | null
  reportedIpHash: string
  reason: ReportReason
  note: string | null
  transcript: TranscriptLine[] | null
  /** Images the reported side sent in this chat that the image screen flagged. */
  flaggedImages?: number
  createdAt: number
  /** A video still kept with the report (api/safety/report-stills.ts). */
  stillKey?: string | null
  stillWidth?: number | null
  stillHeight?: number | null
}

export interface Report extends NewReport {
  id: number
  flaggedImages: number
}

/** How much the reporters of one address weigh (see weighReporters). */
export interface ReporterWeight {
  /** Distinct reporter networks (IPv6 /56, IPv4 addresses). */
  networks: number
  /** Their sum of weights: 1 each, less for a network with dismissed reports or reported itself. */
  weight: number
}

/** A reporter network with a report dismissed (by the console) within REPUTATION_MS counts this much (× each). */
export const DISMISSED_WEIGHT = 0.5
/** … and one whose addresses were themselves reported (by others than the one it reports). */
export const REPORTED_WEIGHT = 0.5
/** How far back dismissals and reports against reporters are remembered. */
export const REPUTATION_MS = 30 * 86_400_000

export interface ReportStore {
  /** 'duplicate' when this reporter already reported this chat (unique index). */
  insert(r: NewReport): Promise<'created' | 'duplicate'>
  /** Distinct reporter IP hashes (other than its own) that reported `ipHash` since `since` (reports the console dismissed excluded). */
  distinctReporters(ipHash: string, since: number): Promise<number>
  /**
   * The reporters of `ipHash` since `since` (reports the console dismissed excluded), counted per
   * network and weighted: what the ban and quarantine thresholds compare with.
   */
  weighReporters(ipHash: string, since: number, now: number): Promise<ReporterWeight>

  list(opts?: { limit?: number }): Promise<Report[]>
  get(id: number): Promise<Report | null>
}

const { reports, reportActions } = tables
/** The console's verdict that a report was unfounded (api/admin/reports.ts dismissReport). */
const DISMISSED = 'dismiss'
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
  return {
    ...r,
    id: Number(r.id),
    flaggedImages: Number(r.flaggedImages),
    createdAt: Number(r.createdAt),
    reason: r.reason as ReportReason,
    transcript,
  }
}

/** A report counts unless the console dismissed it (a handled report with another outcome still counts). */
const notDismissed = or(isNull(reportActions.outcome), ne(reportActions.outcome, DISMISSED))

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
        .leftJoin(reportActions, eq(reportActions.reportId, reports.id))
        .where(and(eq(reports.reportedIpHash, ipHash), gte(reports.createdAt, since), ne(reports.reporterIpHash, ipHash), notDismissed))
      return Number(row?.n ?? 0)
    },

    async weighReporters(ipHash, since, now) {
      const net = sql<string>`coalesce(${reports.reporterNetHash}, ${reports.reporterIpHash})`
      const rows = await db
        .selectDistinct({ ip: reports.reporterIpHash, net })
        .from(reports)
        .leftJoin(reportActions, eq(reportActions.reportId, reports.id))
        .where(and(eq(reports.reportedIpHash, ipHash), gte(reports.createdAt, since), ne(reports.reporterIpHash, ipHash), notDismissed))
      if (rows.length === 0) return { networks: 0, weight: 0 }
      const nets = [...new Set(rows.map(r => r.net))]
      const ips = [...new Set(rows.map(r => r.ip))]
      const back = now - REPUTATION_MS
      const [dismissed, reported] = await Promise.all([
        db
          .selectDistinct({ net })
          .from(reports)
          .innerJoin(reportActions, eq(reportActions.reportId, reports.id))
          .where(and(inArray(net, nets), eq(reportActions.outcome, DISMISSED), gte(reportActions.handledAt, back))),
        // Reported by someone other than the address they report: a counter-report is no mark.
        db
          .selectDistinct({ ip: reports.reportedIpHash })
          .from(reports)
          .leftJoin(reportActions, eq(reportActions.reportId, reports.id))
          .where(and(inArray(reports.reportedIpHash, ips), ne(reports.reporterIpHash, ipHash), notDismissed, gte(reports.createdAt, back))),
      ])
      const dismissedNets = new Set(dismissed.map(r => r.net))
      const reportedIps = new Set(reported.map(r => r.ip))
      let weight = 0
      for (const n of nets) {
        let w = 1
        if (dismissedNets.has(n)) w *= DISMISSED_WEIGHT
        if (rows.some(r => r.net === n && reportedIps.has(r.ip))) w *= REPORTED_WEIGHT
        weight += w
      }
      return { networks: nets.length, weight }
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
