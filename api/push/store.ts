// Where a session's push subscription is kept until its chat ends: process memory on one node,
// Redis on a cluster (any node may do the match and must read it; cluster/redis-push-store.ts).
// Also the per-session push slot that rate-limits pushes (PUSH_MIN_INTERVAL_SECONDS).
import type { StoredSubscription } from './subscription'

export interface PushStore {
  put(sessionId: string, sub: StoredSubscription, ttlMs: number): Promise<void>
  get(sessionId: string): Promise<StoredSubscription | null>
  drop(sessionId: string): Promise<void>
  /** True when a push may go now (the slot is taken for `gapMs`); false within the gap of the last. */
  takeSlot(sessionId: string, gapMs: number): Promise<boolean>
}

/** A subscription lives at most this long without a new push.subscribe (ending a chat drops it sooner). */
export const SUBSCRIPTION_TTL_MS = 6 * 3600_000

export function createMemoryPushStore(now: () => number = Date.now): PushStore {
  const subs = new Map<string, { sub: StoredSubscription; until: number }>()
  const slots = new Map<string, number>()
  let puts = 0
  // Ended chats and expiries drop entries; this only bounds what a lost drop would leave behind.
  function sweep() {
    const t = now()
    for (const [id, e] of subs) if (e.until <= t) subs.delete(id)
    for (const [id, until] of slots) if (until <= t) slots.delete(id)
  }
  return {
    async put(id, sub, ttlMs) {
      if (++puts % 1000 === 0) sweep()
      subs.set(id, { sub, until: now() + ttlMs })
    },
    async get(id) {
      const e = subs.get(id)
      if (!e) return null
      if (e.until > now()) return e.sub
      subs.delete(id)
      return null
    },
    // The slot outlives the subscription: subscribing again does not reset the rate limit.
    async drop(id) {
      subs.delete(id)
    },
    async takeSlot(id, gapMs) {
      const t = now()
      if ((slots.get(id) ?? 0) > t) return false
      if (gapMs > 0) slots.set(id, t + gapMs)
      return true
    },
  }
}
