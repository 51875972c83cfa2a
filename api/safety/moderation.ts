// Reports and the bans they lead to. A report names no one: it is about the reporter's current or
// just-ended partner, whom the hub knows. When enough distinct addresses have reported one IP hash
// within the window, that IP hash is banned and every live session from it is stopped at once.
import type { Hub, SessionView } from '../chat/hub'
import { cleanText } from '../chat/text'
import type { Config } from '../config'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { Secrets } from '../secrets'
import { dbErrorCode } from '../../db/errors'
import type { BanStore } from './bans'
import { formatDuration } from './chat-guard'
import type { NewReport, ReportReason, ReportStore, TranscriptLine } from './report-store'
import type { Transcripts } from './transcripts'
import { checkStill, type ReportStills, type StillOutcome } from './report-stills'

/** A chat that ended this recently can still be reported (and its transcript is still kept). */
export const JUST_ENDED_MS = 5 * 60_000
export const MAX_NOTE_LENGTH = 500

/** What a banned session is told (by the node that bans, or by the mod CLI through Redis). */
export const banNotice = (leftMs: number) => `you are banned from meeting strangers for ${formatDuration(leftMs)}`

export type ModerationConfig = Pick<Config, 'reportBanThreshold' | 'reportBanWindowSeconds' | 'banSeconds'>

export interface ReportInput {
  reason: ReportReason
  note?: string
  includeTranscript?: boolean
  /** The reporter ticked "include a still": a base64 JPEG of the stranger's video (video chats only). */
  still?: string
}

export type ReportOutcome =
  { ok: true; banned: boolean; still?: StillOutcome } | { ok: false; code: 'nothing_to_report' | 'already_reported' | 'report_not_stored'; message: string }

export interface Moderation {
  /** `reporterNetHash`: the reporter's network (secrets.hashNetwork), what reporters are counted by. */
  report(reporter: SessionView, input: ReportInput, from?: { reporterNetHash?: string }): Promise<ReportOutcome>
  /** Bans an IP hash and stops its live sessions (threshold reached or an operator's call). */
  ban(ipHash: string, ban: { seconds: number; reason: string; source: string }): Promise<{ expiresAt: number; sessions: number }>
  /** Keyed hash of a session token: what reports store instead of the bearer token. */
  sessionRef(token: string): string
}

export interface ModerationDeps {
  config: ModerationConfig
  hub: Hub
  bans: BanStore
  reports: ReportStore
  /** The in-memory transcripts (one node) or the cluster's (Redis): lines may come back later. */
  transcripts: { lines(chatId: string): ReturnType<Transcripts['lines']> | Promise<ReturnType<Transcripts['lines']>> }
  secrets: Secrets
  log: Logger
  metrics: Metrics
  now: () => number
  /** Screen-flagged images `uploader` (its session ref) sent in `chatId` (api/media/records.ts); stored with the report. */
  flaggedImages?: (chatId: string, uploader: string) => Promise<number>
  /** Where video stills sent with reports are kept (absent: a still is dropped, the report kept). */
  stills?: Pick<ReportStills, 'save' | 'discard'>
  /**
   * A report was stored against `ipHash` and it was not banned (quarantine, risk). `reporters` is
   * the weighted count of reporter networks (report-store weighReporters).
   */
  onReported?: (ipHash: string, reporters: number) => void | Promise<void>
}

export function createModeration(deps: ModerationDeps): Moderation {
  const { config, hub, bans, reports, transcripts, secrets, log, metrics, now } = deps
  const evaluating = new Map<string, Promise<boolean>>()
  metrics.describe('reports_total', 'Reports stored, by reason')
  metrics.describe('bans_total', 'Bans made, by source (reports or operator)')

  const sessionRef = (token: string) => secrets.sign('session-ref', token)

  function target(reporter: SessionView) {
    if (reporter.chat) {
      const c = reporter.chat
      return { chatId: c.id, partnerId: c.partnerId, partnerIpHash: c.partnerIpHash, current: true, video: c.video }
    }
    const last = reporter.lastChat
    if (last && now() - last.endedAt <= JUST_ENDED_MS) {
      // A chat restored after a restart may not know the partner's address; the hub may.
      const partnerIpHash = last.partnerIpHash || hub.session(last.partnerId)?.ipHash || ''
      return { chatId: last.id, partnerId: last.partnerId, partnerIpHash, current: false, video: !!last.video }
    }
    return null
  }

  async function transcriptOf(chatId: string, reporterId: string): Promise<TranscriptLine[] | null> {
    const lines = await transcripts.lines(chatId)
    if (!lines?.length) return null
    return lines.map(l => ({ from: l.from === reporterId ? 'reporter' : 'reported', body: l.body, at: l.at }))
  }

  /**
   * Checks and writes a still the reporter sent. Never throws: a bad or unstorable still is
   * dropped (and the answer says why), the report is stored all the same.
   */
  async function keepStill(b64: string, video: boolean): Promise<{ outcome: StillOutcome; key: string | null; width?: number; height?: number }> {
    const dropped = (code: Extract<StillOutcome, { stored: false }>['code'], message: string) => ({ outcome: { stored: false as const, code, message }, key: null })
    if (!video) return dropped('still_not_video', 'a still can only come with a report of a video chat')
    const check = await checkStill(b64)
    if (!check.ok) {
      metrics.inc('report_stills_dropped_total', { code: check.code })
      return dropped(check.code, check.message)
    }
    if (!deps.stills) return dropped('still_not_stored', 'stills are not kept on this server')
    try {
      const key = await deps.stills.save(check.jpeg)
      return { outcome: { stored: true }, key, width: check.width, height: check.height }
    } catch (err) {
      log.error('storing a report still failed', { err })
      return dropped('still_not_stored', 'the still could not be saved; the report was')
    }
  }

  async function ban(ipHash: string, b: { seconds: number; reason: string; source: string }) {
    const { expiresAt } = await bans.add(ipHash, b)
    const left = Math.max(1, expiresAt - now())
    // Counted on this node; the ban itself reaches every node.
    const ids = hub.sessionsByIpHash(ipHash)
    await hub.banAddress(ipHash, left, banNotice(left))
    metrics.inc('bans_total', { source: b.source })
    log.warn('ip hash banned', { ipHash, source: b.source, seconds: b.seconds, sessions: ids.length })
    return { expiresAt, sessions: ids.length }
  }

  /**
   * Bans `ipHash` when enough reporters reported it since the window began (or since its last
   * ban): counted per network (an IPv6 /56, so one customer's many /64s are one reporter) and
   * weighted (less for networks whose reports were dismissed or that were reported themselves).
   */
  async function evaluate(ipHash: string): Promise<boolean> {
    if ((await bans.activeUntil(ipHash)) !== null) return false
    const last = await bans.lastBannedAt(ipHash)
    // Reports made before the last ban (whoever made it) are not counted again.
    const since = Math.max(now() - config.reportBanWindowSeconds * 1000, last === null ? 0 : last + 1)
    const { weight: n } = await reports.weighReporters(ipHash, since, now())
    // A float sum of halves and quarters: exact in binary, compared as is.
    if (n < config.reportBanThreshold) {
      // Awaited: once the report call returns, the reported address's next find sees it.
      await deps.onReported?.(ipHash, n)
      return false
    }
    await ban(ipHash, { seconds: config.banSeconds, reason: `reporters weighing ${n} within ${config.reportBanWindowSeconds} s`, source: 'reports' })
    return true
  }

  /** One evaluation at a time per IP hash, so two reports landing together cannot ban twice. */
  function evaluateInTurn(ipHash: string): Promise<boolean> {
    const run = (evaluating.get(ipHash) ?? Promise.resolve(false)).catch(() => false).then(() => evaluate(ipHash))
    evaluating.set(ipHash, run)
    const forget = () => {
      if (evaluating.get(ipHash) === run) evaluating.delete(ipHash)
    }
    run.then(forget, forget)
    return run
  }

  return {
    sessionRef,
    ban,
    async report(reporter, input, from) {
      const t = target(reporter)
      if (!t) return { ok: false, code: 'nothing_to_report', message: 'there is no current or recent chat to report' }
      const note = input.note === undefined ? '' : cleanText(input.note).trim().slice(0, MAX_NOTE_LENGTH)
      // Best effort: a failed lookup must not lose the report.
      const flaggedImages = deps.flaggedImages
        ? await deps.flaggedImages(t.chatId, sessionRef(t.partnerId)).catch((err: unknown) => {
            log.error('counting flagged images for a report failed', { code: dbErrorCode(err) })
            return 0
          })
        : 0
      const still = input.still === undefined ? null : await keepStill(input.still, t.video)
      const record: NewReport = {
        chatId: t.chatId,
        reporterSession: sessionRef(reporter.id),
        reportedSession: sessionRef(t.partnerId),
        reporterIpHash: reporter.ipHash,
        reporterNetHash: from?.reporterNetHash ?? null,
        reportedIpHash: t.partnerIpHash,
        reason: input.reason,
        note: note || null,
        transcript: input.includeTranscript ? await transcriptOf(t.chatId, reporter.id) : null,
        flaggedImages,
        createdAt: now(),
        ...(still?.key && { stillKey: still.key, stillWidth: still.width, stillHeight: still.height }),
      }
      // The reporter leaves, whether or not the report can be stored: someone who reports wants
      // out of the chat now. The reported side is told the stranger left, not that it was reported.
      const leave = async () => {
        if (t.current) await hub.endChat(reporter.id, { by: 'you', reason: 'reported' }, { by: 'stranger', reason: 'left' })
      }
      let stored: Awaited<ReturnType<ReportStore['insert']>>
      try {
        stored = await reports.insert(record)
      } catch (err) {
        // The driver's message carries the query parameters (note, transcript): keep them out of logs.
        log.error('storing a report failed', { code: dbErrorCode(err) })
        metrics.inc('reports_failed_total')
        if (still?.key) await deps.stills?.discard(still.key)
        await leave()
        // The chat is now the reporter's last chat, so reporting it again works for JUST_ENDED_MS.
        return { ok: false, code: 'report_not_stored', message: 'the chat was ended, but your report could not be saved; please report it again in a moment' }
      }
      if (stored === 'duplicate') {
        if (still?.key) await deps.stills?.discard(still.key)
        return { ok: false, code: 'already_reported', message: 'you already reported this chat' }
      }
      if (still?.key) metrics.inc('report_stills_total')
      metrics.inc('reports_total', { reason: input.reason })
      await leave()
      let banned = false
      if (t.partnerIpHash && t.partnerIpHash !== reporter.ipHash) {
        try {
          banned = await evaluateInTurn(t.partnerIpHash)
        } catch (err) {
          // The report is stored; the next report evaluates the threshold again.
          log.error('ban threshold evaluation failed', { code: dbErrorCode(err) })
        }
      }
      return { ok: true, banned, ...(still && { still: still.outcome }) }
    },
  }
}
