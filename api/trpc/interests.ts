import { z } from 'zod'
import { publicProcedure, router } from './trpc'

export const interestsRouter = router({
  /** The interests most used lately, for suggestions on the home screen. */
  popular: publicProcedure
    .input(z.object({ limit: z.number().int().min(1).max(50).optional() }).optional())
    .query(({ ctx, input }) => ctx.services.popular.top(input?.limit ?? 12)),
})
