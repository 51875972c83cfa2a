// The ChatBackend contract suite (tests/contracts/chat-backend.ts) on every implementation: one
// node in process memory, one node on Redis, and two nodes over one Redis in one process (the two
// sides of each chat on different nodes). Redis is the machine's shared one, each run under its own
// key prefix; it runs in both integration passes.
import { allowAll } from '../../api/chat/guard'
import { createChatCore } from '../../api/chat-core'
import { createPopularInterests } from '../../api/chat/popular'
import { openCache } from '../../api/cache'
import { createNodeHeartbeat } from '../../api/cluster/nodes'
import { openRedis } from '../../api/cluster/redis'
import { createRedisMatchQueue } from '../../api/cluster/redis-match-queue'
import { loadConfig } from '../../api/config'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'
import type { Hub } from '../../api/chat/hub'
import type { ChatBackend } from '../../api/chat/ports/chat-backend'
import { describeChatBackend, type BackendUnderTest } from '../contracts/chat-backend'
import { test } from 'bun:test'
import { deletePrefix, nodeListens, redisTarget, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL, testPrefix } from '../support/redis'

// A short resume window: the undelivered case waits for a dropped partner to expire.
const base = { DATA_DIR: '/tmp', MATCH_FALLBACK_MS: '50', REPAIR_COOLDOWN_MS: '0', RESUME_WINDOW_MS: '1500' }

describeChatBackend('in-process', async (): Promise<BackendUnderTest> => {
  const config = loadConfig(base)
  const { hub, backend } = createChatCore({
    config,
    cache: openCache(config),
    guard: allowAll,
    log: createLogger('silent'),
    metrics: createMetrics(),
    popular: createPopularInterests(),
    now: Date.now,
    cluster: null,
    transcriptKeepMs: 300_000,
  })
  return { hubs: [hub], backends: [backend], close: () => hub.shutdown({ closeWaitMs: 0 }) }
})

async function redisNodes(n: number, target = TEST_REDIS_URL): Promise<BackendUnderTest> {
  const prefix = testPrefix('cbc')
  const on = redisTarget(target)
  const hubs: Hub[] = []
  const backends: ChatBackend[] = []
  const stops: Array<() => Promise<void>> = []
  for (let k = 0; k < n; k++) {
    const config = loadConfig({ ...base, ...(on.url ? { REDIS_URL: on.url } : { REDIS_CLUSTER_NODES: target }), REDIS_PREFIX: prefix, NODE_ID: `cbc-${k}` })
    const redis = await openRedis({ ...on, prefix })
    let hub: Hub | null = null
    const nodes = createNodeHeartbeat(redis, { nodeId: config.nodeId, heartbeatMs: 1000, ttlMs: 30_000, connected: () => hub?.online ?? 0 })
    await nodes.start()
    const core = createChatCore({
      config,
      cache: openCache(config),
      guard: allowAll,
      log: createLogger('silent'),
      metrics: createMetrics(),
      popular: createPopularInterests(),
      now: Date.now,
      cluster: { redis, nodes },
      transcriptKeepMs: 300_000,
      clusterQueue: events => createRedisMatchQueue(redis, { prefix, fallbackMs: config.matchFallbackMs, events, owner: config.nodeId }),
    })
    // The backend subscribed to its node channel as it was made, on the subscriber connection;
    // a round trip there lands after the SUBSCRIBE, so no frame of the first find is published
    // before this node listens (a client of a real node cannot connect that early).
    await redis.sub.ping()
    hub = core.hub
    hubs.push(core.hub)
    backends.push(core.backend)
    // The node hears its channel only once Redis has taken its SUBSCRIBE: a frame published
    // before that (the first `queued` of a test) would be lost, so the case starts once it has.
    for (let tries = 0; !(await nodeListens(target, prefix, config.nodeId)); tries++) {
      if (tries > 200) throw new Error(`node ${config.nodeId} never subscribed to its frames`)
      await Bun.sleep(5)
    }
    stops.push(async () => {
      await core.hub.shutdown({ closeWaitMs: 0 })
      await nodes.stop({ leave: true })
      await redis.close()
    })
  }
  return {
    hubs,
    backends,
    async close() {
      for (const s of stops) await s()
      await deletePrefix(target, prefix)
    },
  }
}

describeChatBackend('Redis, one node', () => redisNodes(1))
describeChatBackend('two nodes over one Redis', () => redisNodes(2))
// The same on a real 3-master Redis Cluster (tests/run.ts starts one: TEST_REDIS_CLUSTER_NODES).
if (TEST_REDIS_CLUSTER_NODES) describeChatBackend('two nodes over a Redis Cluster', () => redisNodes(2, TEST_REDIS_CLUSTER_NODES))
else test.skip('two nodes over a Redis Cluster (set TEST_REDIS_CLUSTER_NODES; tests/run.ts does)', () => {})
