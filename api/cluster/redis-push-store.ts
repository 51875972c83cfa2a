// The push subscriptions of a cluster, in Redis: whichever node does a match reads the matched
// session's subscription here. Keys sit under the session's hash tag (as redis-backend.ts's), so
// on a Redis Cluster they live on the session's shard:
//   P{s:<id>}:push     the subscription JSON, with a TTL (SUBSCRIPTION_TTL_MS, renewed by push.subscribe)
//   P{s:<id>}:pushrl   set while the session's last push is within PUSH_MIN_INTERVAL_SECONDS
import type { PushStore } from '../push/store'
import type { StoredSubscription } from '../push/subscription'
import type { RedisConnections } from './redis'

export function createRedisPushStore(redis: RedisConnections): PushStore {
  const sub = (id: string) => `${redis.prefix}{s:${id}}:push`
  const slot = (id: string) => `${redis.prefix}{s:${id}}:pushrl`
  return {
    async put(id, s, ttlMs) {
      await redis.cmd.set(sub(id), JSON.stringify(s), 'PX', ttlMs)
    },
    async get(id) {
      const json = await redis.cmd.get(sub(id))
      return json ? (JSON.parse(json) as StoredSubscription) : null
    },
    // The slot outlives the subscription: subscribing again does not reset the rate limit.
    async drop(id) {
      await redis.cmd.del(sub(id))
    },
    async takeSlot(id, gapMs) {
      if (gapMs <= 0) return true
      return (await redis.cmd.set(slot(id), '1', 'PX', gapMs, 'NX')) === 'OK'
    },
  }
}
