// What a node does when its heartbeat (nodes.ts) finds that Redis lost the cluster's state, or
// that peers took this node for dead and cleaned up after it: it puts back what it alone knows.
// - its sessions (redis-backend.ts recover): records written again, chats whose state is gone
//   ended with `interrupted`, waiters put back in the queue, partners told `back`;
// - its share of the per-address connection counts (address-connections.ts);
// - after a data loss only: the cluster's shared secret and VAPID keys (so a node started later hashes and
//   signs as this one does) and the popular interests of the sessions it holds.
import type { PopularInterests } from '../chat/popular'
import type { LocalSession } from '../chat/session'
import type { AddressConnections } from './address-connections'
import type { RedisBackend } from './redis-backend'
import type { RedisConnections } from './redis'
import { nodeKeys } from './nodes'
import type { VapidKeys } from '../push/vapid'

export interface RecoveryDeps {
  redis: RedisConnections
  /** The cluster's shared secret as this node holds it; null when SECRET is configured (not kept in Redis). */
  secret: string | null
  /** The cluster's VAPID pair as this node holds it; null when configured or push is off. */
  vapid?: VapidKeys | null
  backend: RedisBackend
  connections: AddressConnections | null
  popular: PopularInterests
  sessions: () => Iterable<LocalSession>
}

export async function recoverCluster(cause: 'data_lost' | 'taken_for_dead', deps: RecoveryDeps): Promise<void> {
  if (cause === 'data_lost' && deps.secret) {
    // NX: every node that held the old secret holds the same one; the first write wins.
    await deps.redis.cmd.set(nodeKeys(deps.redis.prefix).secret, deps.secret, 'NX')
  }
  // So is the VAPID pair: browsers subscribed with its public key.
  if (cause === 'data_lost' && deps.vapid) await deps.redis.cmd.set(nodeKeys(deps.redis.prefix).vapid, JSON.stringify(deps.vapid), 'NX')
  await Promise.all([deps.backend.recover(cause), deps.connections?.rebuild()])
  if (cause === 'data_lost') {
    // What is known again: the interests the sessions held here counted (each address once).
    for (const s of deps.sessions()) if (s.counted.size) deps.popular.record(s.ipHash, [...s.counted], s.languages)
  }
}
