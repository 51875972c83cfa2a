// The tRPC router. The PWA imports only the AppRouter type from here; the app makes the router
// once (api/http-deps.ts picks what each procedure module uses from the services).
import { interestsRouter, type InterestsDeps } from './interests'
import { mediaRouter, type MediaTicketDeps } from './media'
import { pushRouter, type PushDeps } from './push'
import { reportsRouter, type ReportsDeps } from './reports'
import { rtcRouter, type RtcDeps } from './rtc'
import { router } from './trpc'

/** Every procedure module's own dependencies, together. */
export type AppRouterDeps = InterestsDeps & MediaTicketDeps & ReportsDeps & RtcDeps & PushDeps

export function createAppRouter(deps: AppRouterDeps) {
  return router({
    interests: interestsRouter(deps),
    media: mediaRouter(deps),
    reports: reportsRouter(deps),
    rtc: rtcRouter(deps),
    push: pushRouter(deps),
  })
}

export type AppRouter = ReturnType<typeof createAppRouter>
