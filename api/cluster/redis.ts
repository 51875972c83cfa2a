// The Redis connections of one node of a cluster (REDIS_URL set): a command connection for
// everything that answers, and a dedicated subscriber connection (a connection in SUBSCRIBE mode
// can do nothing else). Every key and channel the cluster uses starts with REDIS_PREFIX.
//
// Client: ioredis, chosen over Bun's built-in RedisClient by tests/bench/redis-clients.ts.
// Bun's client was faster (EVALSHA 39–40k/s vs 14–24k/s one at a time, 141k/s vs 66k/s with 100 in
// flight; pub→sub p99 0.09 vs 0.56 ms), but after a Redis restart its subscriber connection came
// back silently *without* its subscriptions (no event either), and it gives up reconnecting after
// `maxRetries`. ioredis resubscribes by itself, reconnects forever with our back-off, and has
// defineCommand (EVALSHA with a transparent reload after NOSCRIPT, e.g. after a Redis restart).
// Either is far faster than matchmaking and delivery need (a find every few seconds per user).
//
// Failure behaviour (checked in tests/integration/redis-cluster.test.ts against a private Redis):
// - no offline queue on the command connection: while Redis is away every command rejects at once
//   instead of queueing without bound, so callers fail fast and degrade;
// - maxRetriesPerRequest 0: a command in flight when the connection drops rejects rather than
//   being replayed after reconnect (our Lua scripts must never run twice);
// - commandTimeout: a Redis that accepts but never answers (frozen, wrong service) still
//   rejects each command within COMMAND_TIMEOUT_MS;
// - retryStrategy never gives up: when Redis returns, the node reconnects by itself.
//
// On a Redis Cluster (REDIS_CLUSTER_NODES) both are ioredis Cluster clients: they follow MOVED/ASK
// and refresh the slot map by themselves. Every script gets all the keys it names in KEYS and they
// share one hash tag, so a script runs on one shard (docs/cluster.md lists the tags).
// ioredis asks before every command whether anyone traces; on Bun that needs tracing-channel-gap.ts.
import './tracing-channel-gap'
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis'
import { keySlot } from './slots'

const COMMAND_TIMEOUT_MS = 2000
const CONNECT_TIMEOUT_MS = 5000
const PING_TIMEOUT_MS = 1000

export interface RedisConnections {
  /** REDIS_PREFIX: prepend it to every key and channel. */
  readonly prefix: string
  /** Commands, scripts and PUBLISH (one Redis, or every master of a Redis Cluster). */
  readonly cmd: RedisClient
  /** SUBSCRIBE (and on a Redis Cluster SSUBSCRIBE) only (ioredis resubscribes after a reconnect). */
  readonly sub: RedisClient
  /** True on a Redis Cluster: keys of one script must share a hash tag. */
  readonly cluster: boolean
  /** True when Redis answers PING within `timeoutMs` (for /readyz); never rejects. */
  ping(timeoutMs?: number): Promise<boolean>
  close(): Promise<void>
}

/** One Redis or a Redis Cluster: both speak the same commands. */
export type RedisClient = Redis | Cluster

export interface RedisOpenOptions {
  /** One Redis (ignored when `clusterNodes` is set). */
  url?: string | null
  /** host:port seeds of a Redis Cluster. */
  clusterNodes?: readonly string[] | null
  prefix: string
  /** Told about connection errors (ioredis emits one per failed reconnect attempt). */
  onError?: (err: Error) => void
  /** How long open() waits for the first connection before failing start-up. */
  connectTimeoutMs?: number
}

function options(overrides: RedisOptions): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    keepAlive: 10_000,
    // Reconnect forever: 50 ms, 100 ms, … at most 1 s between attempts.
    retryStrategy: times => Math.min(50 * times, 1000),
    ...overrides,
  }
}

function clusterOptions(overrides: RedisOptions): ClusterOptions {
  const { retryStrategy: _r, ...perNode } = options(overrides)
  return {
    lazyConnect: true,
    enableOfflineQueue: overrides.enableOfflineQueue ?? false,
    // Per node: the same timeouts; the cluster decides reconnection (from a refreshed slot map)
    // and holds a node's first commands until its connection is up (its own offline queue).
    redisOptions: { ...withoutQueue(perNode), lazyConnect: undefined },
    clusterRetryStrategy: times => Math.min(50 * times, 1000),
    // A master that failed: refresh the slot map soon rather than hammering the dead address.
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
  }
}

function withoutQueue(o: RedisOptions) {
  const { enableOfflineQueue: _q, ...rest } = o
  return rest
}

/** The seeds as ioredis wants them. */
function seeds(list: readonly string[]) {
  return list.map(s => {
    const i = s.lastIndexOf(':')
    return { host: s.slice(0, i), port: Number(s.slice(i + 1)) }
  })
}

/** Where we connect, for logs (never a password). */
export function describeRedisTarget(opts: Pick<RedisOpenOptions, 'url' | 'clusterNodes'>): string {
  if (opts.clusterNodes?.length) return `cluster ${opts.clusterNodes.join(',')}`
  return describeRedisUrl(opts.url ?? '')
}

/** Resolves `fallback` when `p` has not settled within `ms`; never rejects. */
function bounded<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(fallback), ms)
    p.then(
      v => (clearTimeout(timer), resolve(v)),
      () => (clearTimeout(timer), resolve(fallback)),
    )
  })
}

/**
 * Opens both connections and waits until they are up: a node must not start serving when it
 * cannot reach the Redis its cluster shares (start-up fails, systemd tries again).
 */
export async function openRedis(opts: RedisOpenOptions): Promise<RedisConnections> {
  const onError = opts.onError ?? (() => {})
  const onCluster = Boolean(opts.clusterNodes?.length)
  const subOverrides: RedisOptions = { connectionName: 'leetchat-sub', enableOfflineQueue: true, commandTimeout: undefined }
  let cmd: RedisClient
  let sub: RedisClient
  if (onCluster) {
    cmd = new Cluster(seeds(opts.clusterNodes!), clusterOptions({ connectionName: 'leetchat-cmd' }))
    // The subscriber may queue SUBSCRIBE until it is connected; ioredis replays subscriptions on reconnect.
    // Sharded subscribers: one connection per master for SSUBSCRIBE (a node's frames, redis-backend.ts).
    sub = new Cluster(seeds(opts.clusterNodes!), { ...clusterOptions(subOverrides), shardedSubscribers: true })
  } else {
    if (!opts.url) throw new Error('openRedis: a url or cluster nodes are needed')
    cmd = new Redis(opts.url, options({ connectionName: 'leetchat-cmd' }))
    sub = new Redis(opts.url, options(subOverrides))
  }
  // Without a listener ioredis prints every failed reconnect attempt to stderr.
  cmd.on('error', onError)
  sub.on('error', onError)

  // Wait for both to be ready, riding out refused attempts (Redis may be starting alongside us).
  const timeout = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS
  let lastError: Error | null = null
  const noteError = (e: Error) => void (lastError = e)
  cmd.on('error', noteError)
  sub.on('error', noteError)
  const ready = (c: RedisClient) => new Promise<void>(resolve => (c.status === 'ready' ? resolve() : c.once('ready', () => resolve())))
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    cmd.connect().catch(noteError)
    sub.connect().catch(noteError)
    await Promise.race([
      Promise.all([ready(cmd), ready(sub)]),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = lastError ? ` (${(lastError as Error).message})` : ''
          reject(new Error(`Redis at ${describeRedisTarget(opts)} did not answer within ${timeout} ms${why}`))
        }, timeout)
      }),
    ])
  } catch (err) {
    cmd.disconnect()
    sub.disconnect()
    throw err
  } finally {
    clearTimeout(timer)
    cmd.off('error', noteError)
    sub.off('error', noteError)
  }

  // One ping at a time: readiness probes arriving while one runs share its answer.
  let pinging: Promise<boolean> | null = null
  return {
    prefix: opts.prefix,
    cmd,
    sub,
    cluster: onCluster,
    ping(timeoutMs = PING_TIMEOUT_MS) {
      pinging ??= bounded(
        cmd.ping().then(r => r === 'PONG'),
        timeoutMs,
        false,
      ).finally(() => {
        pinging = null
      })
      return pinging
    },
    async close() {
      // QUIT lets Redis finish what was sent; a dead connection is simply dropped.
      await Promise.allSettled([bounded(cmd.quit(), 500, 'OK'), bounded(sub.quit(), 500, 'OK')])
      cmd.disconnect()
      sub.disconnect()
    },
  }
}

export type Script = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>

/**
 * Script calls on one client: how many are on the wire, and the calls made while a NOSCRIPT is
 * being recovered from, which wait their turn (see defineScript).
 */
interface ScriptTraffic {
  inFlight: number
  recovering: boolean
  waiting: Array<() => void>
}
const traffic = new WeakMap<RedisClient, ScriptTraffic>()

/**
 * The connection a call with these keys goes out on, when it is up: one Redis has one; on a Redis
 * Cluster it is the connection to the master of the first key's slot (ioredis's slot map). Null
 * while that connection is not up, or when the slot's master is not known yet.
 */
function connectionFor(cmd: RedisClient): (keys: readonly string[]) => object | null {
  if (!cmd.isCluster) {
    const one = cmd as Redis
    return () => (one.status === 'ready' ? one.stream : null)
  }
  const cluster = cmd as Cluster
  let byKey = new Map<string, Redis>()
  const refresh = () => (byKey = new Map(cluster.nodes('master').map(n => [`${n.options.host}:${n.options.port}`, n])))
  cluster.on('+node', refresh)
  cluster.on('-node', refresh)
  return keys => {
    const at = keys.length ? cluster.slots[keySlot(keys[0]!)]?.[0] : undefined
    if (at === undefined) return null
    let n = byKey.get(at)
    if (!n) n = refresh().get(at)
    return n?.status === 'ready' ? n.stream : null
  }
}
const connections = new WeakMap<RedisClient, ReturnType<typeof connectionFor>>()

/**
 * A Lua script called by its SHA1 (EVALSHA), sent in full (EVAL, which also caches it) the first
 * time it goes out on a connection.
 *
 * In the order they were made: scripts take seqs and append to outboxes, so a burst must run as it
 * was sent. Calling EVALSHA and falling back to EVAL after NOSCRIPT cannot keep that order when
 * several clients share a Redis: while one node's burst is on the wire, each call answering
 * NOSCRIPT, another node's EVAL can load the script, and the rest of the burst then runs before the
 * calls sent again (two nodes on a fresh Redis reordered a stranger's first texts this way). So a
 * script's first call on each connection, and its first after a reconnect (a Redis restarted
 * empty has no scripts), is an EVAL: every later EVALSHA on that connection comes after it and
 * finds the script. A connection not up yet gets EVALs too (a Redis Cluster node queues them in
 * order until it is up).
 *
 * What is left is a script cache emptied under a live connection (SCRIPT FLUSH, or a slot moved to
 * a master that never ran the script): the calls answering NOSCRIPT are sent again as EVAL, and
 * from the first NOSCRIPT until every call then on the wire has been answered and sent again, new
 * calls of the client's scripts wait, then go in the order they were made.
 */
export function defineScript(cmd: RedisClient, lua: string): Script {
  const sha = new Bun.CryptoHasher('sha1').update(lua).digest('hex')
  let t = traffic.get(cmd)
  if (!t) traffic.set(cmd, (t = { inFlight: 0, recovering: false, waiting: [] }))
  const state = t
  let on = connections.get(cmd)
  if (!on) connections.set(cmd, (on = connectionFor(cmd)))
  const connectionOf = on
  // The connections this script went out on in full: a new one (a reconnect) is not in it.
  const loaded = new WeakSet<object>()
  const settle = () => {
    if (--state.inFlight > 0 || !state.recovering) return
    state.recovering = false
    for (const go of state.waiting.splice(0)) go()
  }
  return async (keys, args) => {
    if (state.recovering) await new Promise<void>(go => state.waiting.push(go))
    state.inFlight++
    const conn = connectionOf(keys)
    let answer: unknown
    try {
      if (conn && loaded.has(conn)) answer = await cmd.evalsha(sha, keys.length, ...keys, ...args)
      else {
        if (conn) loaded.add(conn)
        answer = await cmd.eval(lua, keys.length, ...keys, ...args)
      }
    } catch (err) {
      if (!/NOSCRIPT/.test((err as Error)?.message ?? '')) {
        settle()
        throw err
      }
      state.recovering = true
      // On the wire before settle() lets a waiting call go: the retries keep their place.
      const again = cmd.eval(lua, keys.length, ...keys, ...args)
      settle()
      return again
    }
    settle()
    return answer
  }
}

/** The URL without its password, for logs. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return 'redis://(unparsable)'
  }
}
