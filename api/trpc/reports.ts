// Placeholder until the safety issue lands: the procedure exists so the router type is complete.
import { z } from 'zod'
import { appError, router, sessionProcedure } from './trpc'

export const reportsRouter = router({
  create: sessionProcedure
    .input(z.object({ reason: z.enum(['spam', 'abuse', 'sexual', 'minor', 'other']), note: z.string().max(500).optional(), includeTranscript: z.boolean().optional() }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(() => {
      throw appError('NOT_IMPLEMENTED', 'not_implemented', 'reports are not available yet')
    }),
})
