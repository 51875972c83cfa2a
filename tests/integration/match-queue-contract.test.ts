// The MatchQueue contract suite (tests/contracts/match-queue.ts) against every implementation:
// the in-process queue, the Redis queue, and two Redis queues on separate connections as two nodes
// over one Redis (waiters spread over both). Redis is the machine's shared one (TEST_REDIS_URL),
// each case under its own key prefix; it runs in both integration passes.
import { afterAll, test } from 'bun:test'
import { createLocalMatchQueue } from '../../api/chat/local-match-queue'
import type { Match, MatchQueue } from '../../api/chat/ports/match-queue'
import { openRedis, type RedisConnections } from '../../api/cluster/redis'
import { createRedisMatchQueue } from '../../api/cluster/redis-match-queue'
import { describeMatchQueue, describeMatchQueueWaiterReports, type QueueFactory, type QueueUnderTest } from '../contracts/match-queue'
import { deletePrefix, redisTarget, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL, testPrefix } from '../support/redis'

const queues: MatchQueue[] = []
const conns: RedisConnections[] = []
const prefixes: Array<[string, string]> = []
afterAll(async () => {
  for (const q of queues) q.close()
  await Promise.all(conns.map(c => c.close()))
  for (const [target, p] of prefixes) await deletePrefix(target, p)
})

function underTest(nodes: MatchQueue[], matches: Match[], fallbacks: string[]): QueueUnderTest {
  let turn = 0
  return {
    q: nodes[0]!,
    all: () => matches,
    allFallbacks: () => fallbacks,
    enqueue: (id, interests, random, extra = {}) => nodes[turn++ % nodes.length]!.enqueue({ id, interests, random, ipHash: `ip-${id}`, ...extra }),
    cooldown: (a, b, ms) => nodes[0]!.cooldown(a, b, Date.now() + ms),
  }
}

const inProcess: QueueFactory = async (o = {}) => {
  const matches: Match[] = []
  const fallbacks: string[] = []
  const q = createLocalMatchQueue({ fallbackMs: o.fallbackMs ?? 8000, events: { onMatch: m => matches.push(m), onFallback: id => fallbacks.push(id) } })
  queues.push(q)
  return underTest([q], matches, fallbacks)
}
describeMatchQueue('in-process queue', inProcess)

async function redisQueues(n: number, fallbackMs: number, target = TEST_REDIS_URL): Promise<QueueUnderTest> {
  const prefix = testPrefix('mqc')
  prefixes.push([target, prefix])
  const matches: Match[] = []
  const fallbacks: string[] = []
  const nodes: MatchQueue[] = []
  for (let k = 0; k < n; k++) {
    const redis = await openRedis({ ...redisTarget(target), prefix })
    conns.push(redis)
    const q = createRedisMatchQueue(redis, { prefix, fallbackMs, owner: `node-${k}`, events: { onMatch: m => matches.push(m), onFallback: id => fallbacks.push(id) } })
    queues.push(q)
    nodes.push(q)
  }
  return underTest(nodes, matches, fallbacks)
}

const oneRedis: QueueFactory = (o = {}) => redisQueues(1, o.fallbackMs ?? 8000)
const twoNodes: QueueFactory = (o = {}) => redisQueues(2, o.fallbackMs ?? 8000)
describeMatchQueue('Redis queue', oneRedis)
describeMatchQueue('two nodes over one Redis', twoNodes)

describeMatchQueueWaiterReports('in-process queue', inProcess)
describeMatchQueueWaiterReports('Redis queue', oneRedis)
describeMatchQueueWaiterReports('two nodes over one Redis', twoNodes)

// The same on a real 3-master Redis Cluster (tests/run.ts starts one: TEST_REDIS_CLUSTER_NODES).
if (TEST_REDIS_CLUSTER_NODES) {
  const onCluster: QueueFactory = (o = {}) => redisQueues(2, o.fallbackMs ?? 8000, TEST_REDIS_CLUSTER_NODES)
  describeMatchQueue('two nodes over a Redis Cluster', onCluster)
  describeMatchQueueWaiterReports('two nodes over a Redis Cluster', onCluster)
} else test.skip('two nodes over a Redis Cluster (set TEST_REDIS_CLUSTER_NODES; tests/run.ts does)', () => {})
