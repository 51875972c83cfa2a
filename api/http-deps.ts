// The one place that knows both the Services bag and what each HTTP module takes: the tRPC
// context, the procedures (trpc/router.ts) and the media routes each get only their own small
// dependency set, picked here. The upload ticket store is made once and shared, so the ticket
// media.ticket issues is the one PUT /upload redeems.
import { createTicketStore } from './media/tickets'
import type { MediaRouteDeps } from './media/routes'
import type { Services } from './services'
import type { ContextDeps } from './trpc/context'
import type { AppRouterDeps } from './trpc/router'

export interface HttpDeps {
  trpcContext: ContextDeps
  trpc: AppRouterDeps
  media: MediaRouteDeps
}

export function httpDeps(services: Services): HttpDeps {
  const { config, cache, db, hub, guard, moderation, popular, secrets, screening, log, metrics, now, push } = services
  const tickets = createTicketStore({ cache, now, ttlSeconds: config.uploadTicketTtlSeconds })
  return {
    trpcContext: { config, hub, secrets },
    trpc: { config, guard, moderation, popular, tickets, classifier: screening.screen, secrets, metrics, now, push, hub },
    media: { config, db, hub, moderation, screening, secrets, log, metrics, now, tickets },
  }
}
