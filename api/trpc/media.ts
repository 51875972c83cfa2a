// Placeholder until the media issue lands: the procedure exists so the router type is complete.
import { z } from 'zod'
import { appError, router, sessionProcedure } from './trpc'

export const mediaRouter = router({
  ticket: sessionProcedure
    .input(z.object({ kind: z.enum(['image', 'audio', 'file']), mime: z.string(), size: z.number(), name: z.string() }))
    .output(z.object({ uploadUrl: z.string(), expiresAt: z.number(), maxBytes: z.number() }))
    .mutation(() => {
      throw appError('NOT_IMPLEMENTED', 'not_implemented', 'uploads are not available yet')
    }),
})
