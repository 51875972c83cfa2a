import { z } from 'zod'
import type { PopularInterests } from '../chat/popular'
import { LANGUAGE_SUBTAG } from '../chat/languages'
import { publicProcedure, router } from './trpc'

/**
 * An interest is suggested to everyone only once this many people (distinct addresses, see
 * chat/popular.ts) used it lately: what one person types (a name, a handle) is never advertised
 * to strangers, however many sockets they open.
 */
export const POPULAR_MIN_PEOPLE = 3

export interface InterestsDeps {
  popular: Pick<PopularInterests, 'top'>
}

export function interestsRouter({ popular }: InterestsDeps) {
  return router({
    /** The interests most used lately, for suggestions on the home screen; with `language`, by finds that stated it. */
    popular: publicProcedure
      .input(
        z
          .object({
            limit: z.number().int().min(1).max(50).optional(),
            language: z
              .string()
              .regex(LANGUAGE_SUBTAG, 'language must be a primary language subtag of 2–3 letters, like "pt"')
              .transform(l => l.toLowerCase())
              .optional(),
          })
          .optional(),
      )
      .query(({ input }) => popular.top(input?.limit ?? 12, POPULAR_MIN_PEOPLE, input?.language)),
  })
}
