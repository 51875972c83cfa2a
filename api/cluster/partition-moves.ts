// Noticing when this node's sharded subscription to a session partition may have had a gap.
// Sharded PUB/SUB loses what a master publishes while the node is not subscribed there, and a frame
// SPUBLISHed in such a gap is in its session's outbox but never reached the node holding the socket.
// Two things open a gap:
// - the partition moved to another master (a reshard, a failover): Redis unsubscribes a slot's
//   channels when the slot leaves a master, and ioredis subscribes on the new master only once it
//   has refreshed its slot map. Seen by comparing, after every refresh, which master serves each
//   partition.
// - the subscriber connection to the partition's master ended (the master was killed, restarted,
//   or the link dropped): ioredis connects again after a back-off of up to 2 s and subscribes
//   again, while the master may already be serving commands, and so publishing, meanwhile.
// Either way the partitions are handed to `onGap`, which makes sure the subscription is back and
// checks the sessions this node holds there (redis-backend.ts, verifyDelivery).
import type { Cluster } from 'ioredis'
import { keySlot, partitionTags } from './slots'

export interface PartitionMoves {
  /** Compares the slot map with the last one seen now (also done after every refresh of it). */
  check(): void
  stop(): void
}

export function watchPartitionMoves(sub: Cluster, onGap: (partitions: number[]) => void): PartitionMoves {
  const slots = partitionTags().map(t => keySlot(`{${t}}`))
  /** The master ("host:port") of each partition at the last look; '' before the first. */
  let owners: string[] = []
  function check() {
    const now = slots.map(slot => sub.slots[slot]?.[0] ?? '')
    // A slot the map does not cover yet (mid-refresh, a master down) is judged at the next look.
    if (now.some(o => !o)) return
    const moved = owners.length ? now.flatMap((o, p) => (o !== owners[p] ? [p] : [])) : []
    owners = now
    if (moved.length) onGap(moved)
  }
  // ioredis names a sharded subscriber's master "host:port", as the slot map does; a connection
  // of the subscriber's own pool (the classic SUBSCRIBE) comes without a name and carries no
  // session frames.
  function lost(_conn: unknown, nodeKey?: string) {
    if (!nodeKey) return
    const served = slots.flatMap((slot, p) => ((sub.slots[slot]?.[0] ?? owners[p]) === nodeKey ? [p] : []))
    if (served.length) onGap(served)
  }
  sub.on('refresh', check)
  sub.on('-node', lost)
  check()
  return {
    check,
    stop() {
      sub.off('refresh', check)
      sub.off('-node', lost)
    },
  }
}
