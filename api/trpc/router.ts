// The tRPC router. The PWA imports only the AppRouter type from here.
import { interestsRouter } from './interests'
import { mediaRouter } from './media'
import { reportsRouter } from './reports'
import { rtcRouter } from './rtc'
import { router } from './trpc'

export const appRouter = router({
  interests: interestsRouter,
  media: mediaRouter,
  reports: reportsRouter,
  rtc: rtcRouter,
})

export type AppRouter = typeof appRouter
