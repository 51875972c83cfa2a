// Connections per address across the cluster, so MAX_CONNECTIONS_PER_IP holds however nginx
// spreads one address over the nodes. Each address has a hash of node → open sockets; a node
// that dies has its fields removed by the peer that cleans up after it (nodes.ts onNodeDead).
// The guard keeps its own per-node count in front of this (cheap, synchronous); this is the
// cluster-wide check after it.
import type { NodeHeartbeat } from './nodes'
import { defineScript, type RedisConnections } from './redis'

// KEYS: address hash, node's address set · ARGV: node, max, ttl seconds, address hash
// Returns 1 when admitted (and counted), 0 when the address is at the cap.
const ACQUIRE = `
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('SADD', KEYS[2], ARGV[4])
return 1
`
// KEYS: address hash · ARGV: node
const RELEASE = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
`
// KEYS: dead node's address set · ARGV: prefix, dead node
const FORGET_NODE = `
for _, ip in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('HDEL', ARGV[1] .. 'ipc:' .. ip, ARGV[2]) end
redis.call('DEL', KEYS[1])
return 1
`

/** Counts survive at most this long without a connection being made (a safety net against leaks). */
const TTL_SECONDS = 24 * 3600

export interface AddressConnections {
  /** True when the address may open one more socket (and it is now counted); fails open when Redis is away. */
  acquire(ipHash: string): Promise<boolean>
  release(ipHash: string): void
  /** Writes this node's counts again (Redis lost them, or a peer removed them as a dead node's). */
  rebuild(): Promise<void>
}

export function createAddressConnections(redis: RedisConnections, nodes: NodeHeartbeat, opts: { max: number; onError?: (err: unknown) => void }): AddressConnections {
  const P = redis.prefix
  const me = nodes.nodeId
  const onError = opts.onError ?? (() => {})
  const acquire = defineScript(redis.cmd, ACQUIRE)
  const release = defineScript(redis.cmd, RELEASE)
  const forget = defineScript(redis.cmd, FORGET_NODE)
  /** Sockets this node counted in Redis (a failed acquire is not released later). */
  const counted = new Map<string, number>()
  nodes.onNodeDead(dead => forget([`${P}ipcn:${dead}`], [P, dead]).then(() => {}))
  return {
    async acquire(ipHash) {
      try {
        const ok = (await acquire([`${P}ipc:${ipHash}`, `${P}ipcn:${me}`], [me, opts.max, TTL_SECONDS, ipHash])) === 1
        if (ok) counted.set(ipHash, (counted.get(ipHash) ?? 0) + 1)
        return ok
      } catch (err) {
        // Redis away: the per-node cap still holds; refusing everyone would be worse.
        onError(err)
        return true
      }
    },
    release(ipHash) {
      const n = counted.get(ipHash) ?? 0
      if (n === 0) return
      if (n === 1) counted.delete(ipHash)
      else counted.set(ipHash, n - 1)
      release([`${P}ipc:${ipHash}`], [me]).catch(onError)
    },
    async rebuild() {
      if (!counted.size) return
      const m = redis.cmd.multi()
      for (const [ipHash, n] of counted) {
        m.hset(`${P}ipc:${ipHash}`, me, n).expire(`${P}ipc:${ipHash}`, TTL_SECONDS).sadd(`${P}ipcn:${me}`, ipHash)
      }
      await m.exec()
    },
  }
}
