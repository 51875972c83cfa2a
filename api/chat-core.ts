// Assembles the chat core for this process: on one node the in-process backend and match queue;
// with REDIS_URL the Redis ones, so every node of the cluster pairs, relays and resumes as one.
import type { Cache } from './cache'
import type { Config } from './config'
import type { Logger } from './log'
import type { Metrics } from './ops/metrics'
import type { ChatGuard } from './chat/guard'
import { createHub, matchEvents, type Hub } from './chat/hub'
import { createLocalBackend } from './chat/local-backend'
import { createLocalMatchQueue } from './chat/local-match-queue'
import type { ChatBackend } from './chat/ports/chat-backend'
import type { MatchEvents, MatchQueue } from './chat/ports/match-queue'
import type { PopularInterests } from './chat/popular'
import { createRedisBackend, type RedisBackend } from './cluster/redis-backend'
import type { NodeHeartbeat } from './cluster/nodes'
import type { RedisConnections } from './cluster/redis'
import type { MatchWaker } from './push/waker'

export interface ChatCoreDeps {
  config: Config
  cache: Cache
  guard: ChatGuard
  log: Logger
  metrics: Metrics
  popular: PopularInterests
  now: () => number
  /** Set in cluster mode (REDIS_URL). */
  cluster: { redis: RedisConnections; nodes: NodeHeartbeat } | null
  /** How long a chat's last lines are kept for a report (cluster mode keeps them in Redis). */
  transcriptKeepMs: number
  /** The cluster's match queue (cluster/redis-match-queue.ts); the in-process one otherwise. */
  clusterQueue?: (events: MatchEvents) => MatchQueue
  /** Web Push on a match for a side whose socket is gone (api/push/waker.ts); absent: none. */
  waker?: (backend: ChatBackend) => MatchWaker
}

/** What the composition root gets: the hub, its backend through the port, and on a cluster node the
 * Redis backend itself for what only a cluster has (putting its state back after Redis lost it). */
export interface ChatCore {
  hub: Hub
  backend: ChatBackend
  redisBackend: RedisBackend | null
}

export function createChatCore(deps: ChatCoreDeps): ChatCore {
  const { config, cache, guard, log, metrics, popular, now, cluster } = deps
  const matches = matchEvents()
  let hub: Hub | null = null
  const connected = () => hub?.online ?? 0
  let backend: ChatBackend
  let queue: MatchQueue
  let redisBackend: RedisBackend | null = null
  if (cluster) {
    if (!deps.clusterQueue) throw new Error('a cluster node needs the cluster match queue (clusterQueue)')
    const rb = createRedisBackend({
      redis: cluster.redis,
      nodes: cluster.nodes,
      log,
      metrics,
      now,
      resumeWindowMs: config.resumeWindowMs,
      resumeBufferFrames: config.resumeBufferFrames,
      connected,
      transcriptKeepMs: deps.transcriptKeepMs,
    })
    queue = deps.clusterQueue(matches.events)
    rb.useQueue(id => queue.remove(id))
    backend = redisBackend = rb
  } else {
    backend = createLocalBackend({
      cache,
      log,
      now,
      resumeWindowMs: config.resumeWindowMs,
      resumeBufferFrames: config.resumeBufferFrames,
      connected,
      transcriptKeepMs: deps.transcriptKeepMs,
    })
    queue = createLocalMatchQueue({ fallbackMs: config.matchFallbackMs, events: matches.events, now })
  }
  hub = createHub({ config, backend, queue, guard, log, metrics, popular, now, ...(deps.waker && { waker: deps.waker }) })
  matches.bind(hub.matchHandlers)
  return { hub, backend, redisBackend }
}
