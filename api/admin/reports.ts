// The console's view of reports and what a moderator does with them. Reports are grouped by the
// reported address hash; an action is taken on one report and closes every open report of that
// address with it. The first moderator to act wins: `report_actions` has one row per report
// (its primary key), so a second moderator's claim fails and they are told who handled it.
import { and, asc, count, countDistinct, desc, eq, gt, isNull, max, min, sql } from 'drizzle-orm'
import { tables, type Db } from '../../db'
import { isUniqueViolation } from '../../db/errors'
import type { BanStore } from '../safety/bans'
import type { Moderation } from '../safety/moderation'
import type { AddressRisk } from '../safety/address-risk'
import type { MediaLinks } from '../media/signing'
import type { ReportStills } from '../safety/report-stills'
import type { ActionKind, BanView, ImageView, QueueRow, ReportDetail, ReportView } from './types'

const { reports, reportActions, bans, media } = tables
type ReportRow = typeof reports.$inferSelect

function view(r: ReportRow, handled: { outcome: string; handledBy: string; handledAt: number } | null): ReportView {
  let transcript: ReportView['transcript'] = null
  if (r.transcript) {
    try {
      transcript = JSON.parse(r.transcript)
    } catch {
      transcript = null
    }
  }
  return {
    id: Number(r.id),
    reason: r.reason,
    note: r.note,
    createdAt: Number(r.createdAt),
    chatId: r.chatId,
    ipHash: r.reportedIpHash,
    reporterIpHash: r.reporterIpHash,
    transcript,
    flaggedImages: Number(r.flaggedImages),
    still: r.stillKey ? { width: Number(r.stillWidth), height: Number(r.stillHeight) } : null,
    handled: handled ? { outcome: handled.outcome, by: handled.handledBy, at: Number(handled.handledAt) } : null,
  }
}

export const banView = (b: { id: number; ipHash: string; reason: string; source: string; createdAt: number; expiresAt: number }, now: number): BanView => ({
  ...b,
  active: b.expiresAt > now,
})

export type ActionInput = { action: 'dismiss' } | { action: 'ban'; seconds: number; reason: string } | { action: 'quarantine'; seconds: number } | { action: 'unban' }

export type ActionResult =
  | { ok: true; outcome: ActionKind; ipHash: string; closed: number; sessions?: number }
  | { ok: false; code: 'no_such_report'; message: string }
  | { ok: false; code: 'already_handled'; message: string; handledBy: string; outcome: string; handledAt: number }

export function createReportDesk(deps: {
  db: Db
  bans: BanStore
  moderation: Pick<Moderation, 'ban'>
  risk: Pick<AddressRisk, 'quarantine' | 'quarantined'>
  links: MediaLinks
  stills?: Pick<ReportStills, 'release'>
  now: () => number
}) {
  const { db, now } = deps
  const openReports = (where?: ReturnType<typeof and>) =>
    db
      .select({ r: reports })
      .from(reports)
      .leftJoin(reportActions, eq(reportActions.reportId, reports.id))
      .where(where ? and(isNull(reportActions.reportId), where) : isNull(reportActions.reportId))

  async function handledOf(id: number) {
    const [h] = await db.select().from(reportActions).where(eq(reportActions.reportId, id)).limit(1)
    return h ? { outcome: h.outcome, handledBy: h.handledBy, handledAt: Number(h.handledAt) } : null
  }

  /** Claims one report for `by`; false when someone else already did. */
  async function claim(reportId: number, outcome: ActionKind, by: string): Promise<boolean> {
    try {
      await db.insert(reportActions).values({ reportId, outcome, handledBy: by, handledAt: now() })
      return true
    } catch (err) {
      if (isUniqueViolation(err)) return false
      throw err
    }
  }

  async function get(id: number): Promise<ReportRow | null> {
    const [row] = await db.select().from(reports).where(eq(reports.id, id)).limit(1)
    return row ?? null
  }

  /** Claims `reportId`, then closes the address's other open reports with the same outcome. */
  async function handle(reportId: number, outcome: ActionKind, by: string): Promise<ActionResult | { ok: true; row: ReportRow; closed: number }> {
    const row = await get(reportId)
    if (!row) return { ok: false, code: 'no_such_report', message: 'there is no such report' }
    if (!(await claim(reportId, outcome, by))) {
      const h = (await handledOf(reportId))!
      return { ok: false, code: 'already_handled', message: `${h.handledBy} already handled this report (${h.outcome})`, ...h }
    }
    let closed = 1
    const handledIds = [reportId]
    if (row.reportedIpHash) {
      const others = await openReports(eq(reports.reportedIpHash, row.reportedIpHash))
      for (const { r } of others) {
        if (await claim(Number(r.id), outcome, by)) {
          closed++
          handledIds.push(Number(r.id))
        }
      }
    }
    // A handled report needs no evidence any more. Best effort: the sweeper deletes what this missed.
    await deps.stills?.release(handledIds).catch(() => 0)
    return { ok: true, row, closed }
  }

  /**
   * Marks a report (and the other open reports of its address) handled with nothing done to the
   * address. Kept under this name so the spam filter's reporter weighting can use the same call.
   */
  async function dismissReport(reportId: number, by: string): Promise<ActionResult> {
    const h = await handle(reportId, 'dismiss', by)
    if (!h.ok) return h
    if ('row' in h) return { ok: true, outcome: 'dismiss', ipHash: h.row.reportedIpHash, closed: h.closed }
    return h
  }

  return {
    dismissReport,

    async queue(sort: 'oldest' | 'most', limit = 100): Promise<QueueRow[]> {
      const rows = await db
        .select({
          ipHash: reports.reportedIpHash,
          reportId: min(reports.id),
          reports: count(),
          reporters: countDistinct(reports.reporterIpHash),
          reasons: sql<string>`group_concat(distinct ${reports.reason})`,
          firstAt: min(reports.createdAt),
          lastAt: max(reports.createdAt),
        })
        .from(reports)
        .leftJoin(reportActions, eq(reportActions.reportId, reports.id))
        .where(isNull(reportActions.reportId))
        .groupBy(reports.reportedIpHash)
        .orderBy(...(sort === 'most' ? [desc(countDistinct(reports.reporterIpHash)), asc(min(reports.createdAt))] : [asc(min(reports.createdAt))]))
        .limit(limit)
      return rows.map(r => ({
        ipHash: r.ipHash,
        reportId: Number(r.reportId),
        reports: Number(r.reports),
        reporters: Number(r.reporters),
        reasons: String(r.reasons ?? '')
          .split(',')
          .filter(Boolean)
          .sort(),
        firstAt: Number(r.firstAt),
        lastAt: Number(r.lastAt),
      }))
    },

    async detail(id: number): Promise<ReportDetail | null> {
      const row = await get(id)
      if (!row) return null
      const t = now()
      const report = view(row, await handledOf(id))
      const ipHash = row.reportedIpHash
      const [open, past, banRows, images, bannedUntil, quarantined] = await Promise.all([
        ipHash ? openReports(eq(reports.reportedIpHash, ipHash)).orderBy(asc(reports.id)).limit(50) : Promise.resolve([]),
        ipHash
          ? db
              .select({ r: reports, h: reportActions })
              .from(reports)
              .innerJoin(reportActions, eq(reportActions.reportId, reports.id))
              .where(eq(reports.reportedIpHash, ipHash))
              .orderBy(desc(reports.id))
              .limit(50)
          : Promise.resolve([]),
        ipHash ? db.select().from(bans).where(eq(bans.ipHash, ipHash)).orderBy(desc(bans.createdAt)).limit(50) : Promise.resolve([]),
        // What the reported side sent in that chat, while the files are still kept.
        db
          .select()
          .from(media)
          .where(and(eq(media.chatId, row.chatId), eq(media.uploader, row.reportedSession), eq(media.kind, 'image'), gt(media.expiresAt, t)))
          .orderBy(asc(media.createdAt))
          .limit(20),
        ipHash ? deps.bans.activeUntil(ipHash) : Promise.resolve(null),
        ipHash ? deps.risk.quarantined(ipHash) : Promise.resolve(false),
      ])
      return {
        report,
        openWithIt: open.map(({ r }) => view(r, null)).filter(r => r.id !== id),
        images: images.map((m): ImageView => {
          const link = deps.links.create(m.id)
          return { id: m.id, url: link.url, flagged: !!m.flagged, expiresAt: Math.min(link.expiresAt, Number(m.expiresAt)) }
        }),
        bannedUntil,
        quarantined,
        history: {
          reports: past.filter(p => Number(p.r.id) !== id).map(p => view(p.r, { outcome: p.h.outcome, handledBy: p.h.handledBy, handledAt: Number(p.h.handledAt) })),
          bans: banRows.map(b => banView({ ...b, id: Number(b.id), createdAt: Number(b.createdAt), expiresAt: Number(b.expiresAt) }, t)),
        },
      }
    },

    /** A moderator's action on a report, applied on every node through the address action (bans end live chats). */
    async act(reportId: number, input: ActionInput, by: string): Promise<ActionResult> {
      if (input.action === 'dismiss') return dismissReport(reportId, by)
      const h = await handle(reportId, input.action, by)
      if (!h.ok || !('row' in h)) return h as ActionResult
      const ipHash = h.row.reportedIpHash
      const base = { ok: true as const, outcome: input.action, ipHash, closed: h.closed }
      if (!ipHash) return base
      if (input.action === 'ban') {
        const r = await deps.moderation.ban(ipHash, { seconds: input.seconds, reason: input.reason, source: 'moderator' })
        return { ...base, sessions: r.sessions }
      }
      if (input.action === 'quarantine') {
        await deps.risk.quarantine(ipHash, 'moderator', input.seconds)
        return base
      }
      await deps.bans.lift(ipHash)
      return base
    },
  }
}

export type ReportDesk = ReturnType<typeof createReportDesk>
