// Noticing that one shard of a Redis Cluster lost its data (a master restarted empty, or failed
// over to a replica that had not caught up). The node registry's marker (nodes.ts) only watches
// the shard of `{nodes}`; a session lives on its partition's shard (slots.ts), so each partition
// gets a marker of its own, `P{<partition tag>}:mk`, written by the first node to check it. A node
// that finds a partition's marker gone (it writes a new one) or changed (another node did) since
// its last check calls onLost once for that round: its recovery then reasserts every connected
// session, and those whose record went with the shard are told their chat was interrupted.
//
// Cost: one small script per partition per round (256 every NODE_HEARTBEAT_MS per node, spread
// over the masters), a few hundred commands a second per node, next to thousands for the chats.
// On one Redis the registry's marker is the whole story, and this module is not started.
import { randomBytes } from 'node:crypto'
import { defineScript, type RedisConnections } from './redis'
import { partitionTags } from './slots'

// KEYS[1] the marker · ARGV: a new value, its TTL (ms) · returns the value the partition holds.
const CHECK = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
`

/** Long past any outage a node rides out; refreshed by every round. */
const MARKER_TTL_MS = 7 * 24 * 3600_000

export interface PartitionMarkers {
  /** One round now: resolves true when a partition lost its data since the previous round. */
  check(): Promise<boolean>
  start(): void
  stop(): void
}

export interface PartitionMarkerOptions {
  everyMs: number
  onLost: () => void
  onError?: (err: unknown) => void
}

export function createPartitionMarkers(redis: RedisConnections, opts: PartitionMarkerOptions): PartitionMarkers {
  const run = defineScript(redis.cmd, CHECK)
  const keys = partitionTags().map(t => `${redis.prefix}{${t}}:mk`)
  /** What each partition held at this node's last successful check (null: not seen yet). */
  const seen: Array<string | null> = keys.map(() => null)
  let timer: ReturnType<typeof setInterval> | null = null
  let running: Promise<boolean> | null = null

  async function round(): Promise<boolean> {
    const mine = randomBytes(9).toString('base64url')
    let lost = false
    await Promise.all(
      keys.map(async (key, p) => {
        let v: string
        try {
          v = String(await run([key], [mine, MARKER_TTL_MS]))
        } catch (err) {
          // A shard that is down now is judged when it answers again.
          return opts.onError?.(err)
        }
        if (seen[p] !== null && seen[p] !== v) lost = true
        seen[p] = v
      }),
    )
    if (lost) opts.onLost()
    return lost
  }

  return {
    check() {
      // One round at a time: a slow shard must not stack rounds behind it.
      running ??= round().finally(() => (running = null))
      return running
    },
    start() {
      if (timer) return
      void this.check()
      timer = setInterval(() => void this.check(), opts.everyMs)
      timer.unref?.()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = null
    },
  }
}
