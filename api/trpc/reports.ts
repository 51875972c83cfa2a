// reports.create: report the current or just-ended partner. The client names no session; the
// server knows who the partner was. Errors carry stable appCodes: rate_limited (with
// retryAfterMs), nothing_to_report, already_reported, report_not_stored (the database refused the
// write: the chat is ended all the same, and the just-ended chat can be reported again).
// A still (video chats, the reporter's choice) never costs the report: a bad one is dropped and
// the answer's `still` says why (REPORT_STILL_CODES).
import { z } from 'zod'
import type { ChatGuard } from '../chat/guard'
import { MAX_NOTE_LENGTH, type Moderation } from '../safety/moderation'
import { REPORT_STILL_CODES } from '../safety/still-limits'
import { REPORT_REASONS } from '../safety/report-store'
import { appError, router, sessionProcedure } from './trpc'

const STATUS = { already_reported: 'CONFLICT', nothing_to_report: 'PRECONDITION_FAILED', report_not_stored: 'SERVICE_UNAVAILABLE' } as const

export interface ReportsDeps {
  guard: Pick<ChatGuard, 'checkAction'>
  moderation: Pick<Moderation, 'report'>
}

export function reportsRouter({ guard, moderation }: ReportsDeps) {
  return router({
    create: sessionProcedure
      .input(
        z.object({
          reason: z.enum(REPORT_REASONS),
          note: z.string().max(MAX_NOTE_LENGTH, `a note is at most ${MAX_NOTE_LENGTH} characters`).optional(),
          /** The reporter ticked "include the conversation": attach the last messages of the chat. */
          includeTranscript: z.boolean().optional(),
          /**
           * The reporter ticked "include a still": base64 (no data: prefix) of a JPEG of the
           * stranger's video. Only its type is checked here; every other fault drops the still
           * and keeps the report (the body limit of /trpc/reports.create bounds its length).
           */
          still: z.string().optional(),
        }),
      )
      .output(
        z.object({
          ok: z.literal(true),
          still: z.union([z.object({ stored: z.literal(true) }), z.object({ stored: z.literal(false), code: z.enum(REPORT_STILL_CODES), message: z.string() })]).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const limited = guard.checkAction('report', { sessionId: ctx.session.id, ipHash: ctx.ipHash })
        if (limited) throw appError('TOO_MANY_REQUESTS', limited.code, limited.message, limited.retryAfterMs)
        const r = await moderation.report(ctx.session, input, { reporterNetHash: ctx.netHash })
        if (!r.ok) throw appError(STATUS[r.code], r.code, r.message)
        return { ok: true as const, ...(r.still && { still: r.still }) }
      }),
  })
}
