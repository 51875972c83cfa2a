// push.key — the VAPID public key a browser subscribes with (null: this server sends no pushes).
// push.subscribe — keeps the session's PushSubscription until its chat ends (docs/push.md), so a
// match made while its socket is gone wakes it. Bearer session; the subscription is checked by
// push/subscription.ts (a known push service's https endpoint, keys of the right lengths).
import { z } from 'zod'
import type { Config } from '../config'
import type { Hub } from '../chat/hub'
import type { Metrics } from '../ops/metrics'
import type { PushStore } from '../push/store'
import { SUBSCRIPTION_TTL_MS } from '../push/store'
import { subscriptionInput } from '../push/subscription'
import { appError, publicProcedure, router, sessionProcedure } from './trpc'

export interface PushDeps {
  config: Pick<Config, 'pushServiceHosts' | 'pushAllowLoopback'>
  /** null when PUSH_ENABLED is off. */
  push: { publicKey: string; store: PushStore } | null
  hub: Pick<Hub, 'wake'>
  metrics: Pick<Metrics, 'inc'>
}

export function pushRouter({ config, push, hub, metrics }: PushDeps) {
  return router({
    key: publicProcedure.output(z.object({ publicKey: z.string().nullable() })).query(() => ({ publicKey: push?.publicKey ?? null })),
    subscribe: sessionProcedure
      .input(subscriptionInput(config))
      .output(z.object({ ok: z.literal(true) }))
      .mutation(async ({ ctx, input }) => {
        if (!push) throw appError('PRECONDITION_FAILED', 'push_unavailable', 'this server sends no push notifications (push.key is null)')
        try {
          await push.store.put(ctx.session.id, input, SUBSCRIPTION_TTL_MS)
        } catch {
          throw appError('SERVICE_UNAVAILABLE', 'cache_unavailable', 'the subscription could not be kept, try again')
        }
        await hub.wake(ctx.session.id, ctx.session.ipHash)
        metrics.inc('push_subscriptions_total')
        return { ok: true as const }
      }),
  })
}
