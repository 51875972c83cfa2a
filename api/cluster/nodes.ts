// Node heartbeats: which nodes of the cluster are alive, how many sockets each holds, and who
// cleans up after a node that died.
//
// Every NODE_HEARTBEAT_MS a node SETs `<prefix>{nodes}:n:<id>` = {"i":<incarnation>,"c":<connected>}
// with PX=NODE_TTL_MS and adds its id to the set `<prefix>{nodes}` (every node ever seen and not yet
// cleaned up), in one script. A known id whose key has expired is a dead node: the first live node
// to win `SET <prefix>{nodes}:dead:<id> NX` runs the onNodeDead callbacks (so its sessions can be
// cleaned up), then removes the id from the set. If that node dies mid-cleanup, the lock expires
// and another node does it again: callbacks must be idempotent.
//
// A node restarted under the same NODE_ID faster than NODE_TTL_MS never looks dead to its peers,
// yet its old process's sessions are gone: so on start a node whose key is still there from an
// earlier incarnation runs the callbacks for its own id first.
//
// Two faults are noticed on the beat too (docs: "losing Redis's data is a fault like a crash"):
// - Redis lost its data (restarted empty, failed over to an empty replica, flushed): the marker
//   key `<prefix>{nodes}:marker`, written by the first node to beat, is gone or has another value than
//   this node saw (then another node already noticed and wrote a new one) → onDataLost;
// - peers took this node for dead (it, or Redis, stalled past NODE_TTL_MS) and cleaned up after
//   it: the cleaner leaves `<prefix>{nodes}:cleaned:<id>` once its callbacks ran → onTakenForDead,
//   so the node puts back what the cleanup took (its sessions, its waiters, its counts).
//
// All of it shares the hash tag `{nodes}` (one shard of a Redis Cluster: a beat per node per
// second, far below one shard's capacity), together with the shared secret, so the marker that
// says "this shard lost its data" sits with the secret it must republish. The beat refreshes the
// TTL of the marker, the known set, the secret and the VAPID keys (the TTL floor: KEPT_MS).
import { randomBytes } from 'node:crypto'
import { defineScript, type RedisConnections } from './redis'

/** The TTL floor of the cluster-wide keys the beat keeps (a week: only a cluster that has been down that long loses them). */
const KEPT_MS = 7 * 24 * 3600_000

/** The keys of the node registry, all under the `{nodes}` hash tag. */
export function nodeKeys(prefix: string) {
  const t = `${prefix}{nodes}`
  return {
    known: t,
    node: `${t}:n:`,
    dead: (id: string) => `${t}:dead:${id}`,
    cleaned: (id: string) => `${t}:cleaned:${id}`,
    marker: `${t}:marker`,
    secret: `${t}:secret`,
    vapid: `${t}:vapid`,
  }
}

export interface NodeHeartbeatOptions {
  nodeId: string
  heartbeatMs: number
  ttlMs: number
  /** This node's connected sockets (stored with every heartbeat). */
  connected: () => number
  /** Heartbeat failures (Redis away); the node keeps beating and recovers by itself. */
  onError?: (err: unknown) => void
  /**
   * This node's own key had expired when it beat again (Redis was away or the node stalled longer
   * than NODE_TTL_MS): peers may have cleaned up its sessions as a dead node's.
   */
  onLapsed?: () => void
  /** Redis lost its data since the last beat (see the top of this file). */
  onDataLost?: () => void
  /** A peer ran the dead-node callbacks for this (live) node. */
  onTakenForDead?: () => void
}

export interface NodeInfo {
  id: string
  connected: number
}

export type NodeDeadListener = (nodeId: string) => void | Promise<void>

export interface NodeHeartbeat {
  readonly nodeId: string
  /** Writes the first heartbeat (failing start-up if Redis does not answer) and starts the timer. */
  start(): Promise<void>
  /** Nodes whose heartbeat key is alive, with their connection counts. */
  liveNodes(): Promise<NodeInfo[]>
  /** Sum of live nodes' connection counts; null when Redis did not answer. */
  clusterOnline(): Promise<number | null>
  /** Called on at most one live node at a time when a known node's heartbeat has expired. */
  onNodeDead(cb: NodeDeadListener): void
  /** Runs one heartbeat and dead-node check now (the timer does this every heartbeatMs). */
  beat(): Promise<void>
  /**
   * Stops beating. `leave: true` also removes this node at once (it cleaned up after itself);
   * otherwise its key expires and a peer runs onNodeDead for it.
   */
  stop(opts?: { leave?: boolean }): Promise<void>
}

// KEYS[1] own key, KEYS[2] known-node set, KEYS[3] marker, KEYS[4] own cleaned flag, KEYS[5] the
// shared secret, KEYS[6] the shared VAPID keys (absent with push off); ARGV: id, value, ttl ms, key
// prefix of node keys, a new marker value, kept ms (the TTL of the marker, the known set, the
// secret and the VAPID keys). Returns the previous value of the
// own key, the marker, the cleaned flag, then id/value pairs of every known node.
const BEAT = `
local marker = redis.call('GET', KEYS[3])
if not marker then
  marker = ARGV[5]
  redis.call('SET', KEYS[3], marker)
end
local cleaned = redis.call('GET', KEYS[4])
if cleaned then redis.call('DEL', KEYS[4]) end
local prev = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[3]))
redis.call('SADD', KEYS[2], ARGV[1])
for i = 2, 6 do if i ~= 4 then redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[6])) end end
local ids = redis.call('SMEMBERS', KEYS[2])
local out = { prev or false, marker, cleaned or false }
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('GET', ARGV[4] .. id) or false
end
return out
`

interface Stored {
  i: string
  c: number
}

function parse(v: string | null): Stored | null {
  if (!v) return null
  try {
    const s = JSON.parse(v) as Stored
    return typeof s.c === 'number' ? s : null
  } catch {
    return null
  }
}

export function createNodeHeartbeat(redis: RedisConnections, opts: NodeHeartbeatOptions): NodeHeartbeat {
  const { nodeId, heartbeatMs, ttlMs } = opts
  const onError = opts.onError ?? (() => {})
  const keys = nodeKeys(redis.prefix)
  const nodeKeyPrefix = keys.node
  const ownKey = nodeKeyPrefix + nodeId
  const knownKey = keys.known
  const deadLockKey = keys.dead
  const cleanedKey = keys.cleaned
  const markerKey = keys.marker
  /** The marker this node last saw (null before the first beat). */
  let marker: string | null = null
  // Long enough for a cleanup to finish; short enough that a crashed cleaner is retried soon.
  const deadLockMs = Math.max(ttlMs * 10, 30_000)
  const incarnation = randomBytes(6).toString('hex')
  const listeners: NodeDeadListener[] = []
  let timer: ReturnType<typeof setInterval> | null = null
  let beating: Promise<void> | null = null
  let stopped = false
  let beats = 0
  const beatScript = defineScript(redis.cmd, BEAT)

  const value = () => JSON.stringify({ i: incarnation, c: opts.connected() } satisfies Stored)

  async function runListeners(id: string) {
    for (const cb of listeners) {
      try {
        await cb(id)
      } catch (err) {
        onError(err)
      }
    }
  }

  async function cleanUp(id: string) {
    const won = await redis.cmd.set(deadLockKey(id), nodeId, 'PX', deadLockMs, 'NX')
    if (won !== 'OK') return
    // It may have come back (a pause, not a death) between our read and the lock.
    if ((await redis.cmd.exists(nodeKeyPrefix + id)) === 1) return void (await redis.cmd.del(deadLockKey(id)))
    await runListeners(id)
    await redis.cmd.srem(knownKey, id)
    // If it was only stalled, it learns on its next beat that it was cleaned up after.
    await redis.cmd.set(cleanedKey(id), nodeId, 'PX', deadLockMs)
  }

  async function beatOnce(): Promise<Array<[string, Stored | null]>> {
    const candidate = `${incarnation}.${Date.now().toString(36)}`
    const reply = (await beatScript(
      [ownKey, knownKey, markerKey, cleanedKey(nodeId), keys.secret, keys.vapid],
      [nodeId, value(), ttlMs, nodeKeyPrefix, candidate, KEPT_MS],
    )) as Array<string | null>
    const prev = parse(reply[0] ?? null)
    const first = beats++ === 0
    const seen = reply[1] as string
    const lost = marker !== null && seen !== marker
    marker = seen
    // An earlier process with this NODE_ID, within its TTL: its sessions died with it.
    if (first && prev && prev.i !== incarnation) await runListeners(nodeId)
    if (lost) opts.onDataLost?.()
    else if (!first && reply[2]) opts.onTakenForDead?.()
    else if (!first && !prev) opts.onLapsed?.()
    const nodes: Array<[string, Stored | null]> = []
    for (let k = 3; k < reply.length; k += 2) nodes.push([reply[k] as string, parse(reply[k + 1] ?? null)])
    return nodes
  }

  async function tick() {
    const nodes = await beatOnce()
    for (const [id, stored] of nodes) if (stored === null && id !== nodeId) await cleanUp(id)
  }

  function beat(): Promise<void> {
    // Never two at once: a slow Redis must not stack heartbeats.
    beating ??= tick()
      .catch(onError)
      .finally(() => {
        beating = null
      })
    return beating
  }

  async function read(): Promise<NodeInfo[]> {
    const ids = await redis.cmd.smembers(knownKey)
    if (ids.length === 0) return []
    const values = await redis.cmd.mget(...ids.map(id => nodeKeyPrefix + id))
    const out: NodeInfo[] = []
    ids.forEach((id, k) => {
      const s = parse(values[k] ?? null)
      if (s) out.push({ id, connected: s.c })
    })
    return out.sort((a, b) => a.id.localeCompare(b.id))
  }

  return {
    nodeId,
    async start() {
      stopped = false
      await tick() // rejects: start-up fails when Redis does not answer
      if (stopped) return
      timer = setInterval(() => void beat(), heartbeatMs)
      timer.unref?.()
    },
    liveNodes: read,
    async clusterOnline() {
      try {
        return (await read()).reduce((n, x) => n + x.connected, 0)
      } catch (err) {
        onError(err)
        return null
      }
    },
    onNodeDead(cb) {
      listeners.push(cb)
    },
    beat,
    async stop(o = {}) {
      stopped = true
      if (timer) clearInterval(timer)
      timer = null
      await beating
      if (o.leave) {
        try {
          await redis.cmd.multi().del(ownKey).srem(knownKey, nodeId).exec()
        } catch (err) {
          onError(err)
        }
      }
    },
  }
}
