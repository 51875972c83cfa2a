// Noticing that session partitions moved to another master of a Redis Cluster (a reshard, a
// failover). Sharded PUB/SUB loses what the new master publishes before this node's subscription
// is made again there: when a slot leaves a master, Redis unsubscribes that slot's channels there,
// and ioredis subscribes on the new master only once it has refreshed its slot map. A frame
// SPUBLISHed in between is in its session's outbox but never reached the node holding the socket.
// So the node watches which master serves each partition (from the subscriber's slot map, after
// every refresh) and hands the partitions whose master changed to `onMoved`, which checks the
// sessions it holds there (redis-backend.ts, verifyDelivery).
import type { Cluster } from 'ioredis'
import { keySlot, partitionTags } from './slots'

export interface PartitionMoves {
  /** Compares the slot map with the last one seen now (also done after every refresh of it). */
  check(): void
  stop(): void
}

export function watchPartitionMoves(sub: Cluster, onMoved: (partitions: number[]) => void): PartitionMoves {
  const slots = partitionTags().map(t => keySlot(`{${t}}`))
  /** The master ("host:port") of each partition at the last look; '' before the first. */
  let owners: string[] = []
  function check() {
    const now = slots.map(slot => sub.slots[slot]?.[0] ?? '')
    // A slot the map does not cover yet (mid-refresh, a master down) is judged at the next look.
    if (now.some(o => !o)) return
    const moved = owners.length ? now.flatMap((o, p) => (o !== owners[p] ? [p] : [])) : []
    owners = now
    if (moved.length) onMoved(moved)
  }
  sub.on('refresh', check)
  check()
  return {
    check,
    stop() {
      sub.off('refresh', check)
    },
  }
}
