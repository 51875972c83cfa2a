// Connections per address across the cluster, so MAX_CONNECTIONS_PER_IP holds however nginx
// spreads one address over the nodes. Each address has a hash of node → open sockets; a node
// that dies has its fields removed by the peer that cleans up after it (nodes.ts onNodeDead).
// The guard keeps its own per-node count in front of this (cheap, synchronous); this is the
// cluster-wide check after it.
//
// Keys: `{ipc:<hash>}` hash node → sockets (one address: one shard of a Redis Cluster), and
// `{n:<node>}:ipc` the set of addresses a node counted (an index for the cleanup after a dead node,
// written before the count so a crash never leaves a count no index names).
import type { NodeHeartbeat } from './nodes'
import { defineScript, type RedisConnections } from './redis'

// KEYS: address hash · ARGV: node, max, ttl seconds
// Returns 1 when admitted (and counted), 0 when the address is at the cap.
const ACQUIRE = `
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`
// KEYS: address hash · ARGV: node
const RELEASE = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
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
  const ipc = (ipHash: string) => `${P}{ipc:${ipHash}}`
  const ipcn = (node: string) => `${P}{n:${node}}:ipc`
  /** Sockets this node counted in Redis (a failed acquire is not released later). */
  const counted = new Map<string, number>()
  // Each address on its own shard, the index last (a cleaner that dies midway leaves it for the next).
  nodes.onNodeDead(async dead => {
    const ips = await redis.cmd.smembers(ipcn(dead))
    await Promise.all(ips.map(ip => redis.cmd.hdel(ipc(ip), dead)))
    await redis.cmd.del(ipcn(dead))
  })
  return {
    async acquire(ipHash) {
      try {
        await redis.cmd.sadd(ipcn(me), ipHash)
        await redis.cmd.expire(ipcn(me), TTL_SECONDS)
        const ok = (await acquire([ipc(ipHash)], [me, opts.max, TTL_SECONDS])) === 1
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
      release([ipc(ipHash)], [me]).catch(onError)
    },
    async rebuild() {
      if (!counted.size) return
      await redis.cmd.sadd(ipcn(me), ...counted.keys())
      await redis.cmd.expire(ipcn(me), TTL_SECONDS)
      await Promise.all([...counted].map(([ipHash, n]) => redis.cmd.multi().hset(ipc(ipHash), me, n).expire(ipc(ipHash), TTL_SECONDS).exec()))
    },
  }
}
