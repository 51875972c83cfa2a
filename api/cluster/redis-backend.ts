// The chat backend of a cluster: sessions, mailboxes and delivery in Redis, so any node can pair,
// relay to and resume any session. A session's record is a hash; its unacknowledged frames a
// list (they outlive a killed node); its node's channel carries every frame for it.
//
// Why frames take seq in Redis, not on the recipient's node: a node that pushes to a session on a
// node that just died would otherwise lose the frame. Each push is one Lua script that takes the
// next seq, appends the frame to the outbox and publishes it to the node holding the socket (if
// any) — atomic, so seqs and publishes are in the same order, and a frame is either in the outbox
// or was never accepted.
//
// Keys (prefix P), each under the hash tag of what it belongs to so that a script runs on one
// shard of a Redis Cluster (docs/cluster.md). On a Redis Cluster a session's keys are
// `P{<partition tag>}s:<id>…` instead (sessionKeyOf: the tag of its partition, shared with the
// node channels its frames are SPUBLISHed to):
//   P{s:<id>}       hash {node, hold, ip, state, interests, random, langs, anyl, video, requeue, proof, cid, pid,
//                   chat, last, seq, seen, ti, to: this chat's rcv/rx and sent have their TTL)}
//   P{s:<id>}:ob    list: unacknowledged frames
//   P{s:<id>}:sent  hash: its client text id → its receipt (resends of its own texts; '' while held)
//   P{s:<id>}:rcv   hash: the partner's client text id → seq (a relayed text is never relayed twice)
//   P{s:<id>}:rx    zset: the partner's texts by this session's seq (seen, replyTo, undelivered)
//   P{s:<id>}:dr    list: receipts held for the partner until this session's socket is back
//   P{n:<node>}:ns  set: the sessions a node holds (an index: the record's `node` field decides)
//   P{exp}          zset: held sessions by deadline, or by the end of the lease of the node sweeping
//                   them (an index: the record's `hold` field decides)
//   P{c:<chat>}:tr  list: a chat's last lines, for reports
// Every key has a TTL (sessionTtlMs), set by the script that creates it and refreshed by the owning
// node's sweep and by the steps that hand a session over (redis-backend-scripts.ts says why not
// by every write); a held session that expires is deleted at once, and so is one closed with a
// goodbye (forget). A transcript lives while its chat does and the after-chat keep once it ends.
// Channels: P n:<node> (frames, takeovers; on a Redis Cluster the sharded P{<partition tag>}n:<node>,
// one per partition), P all (actions for every node, e.g. bans). On a node channel: F<id> a
// sequenced frame (with the state change it makes), E<id> an ephemeral one, T<id> a takeover, Q<id>
// a probe's seq, L<partition> this node's own ping of a partition.
//
// On a Redis Cluster the relay is two steps on two shards (the text on the recipient's, the receipt
// on the sender's; on one Redis they run as one script, RELAY), and so are a seen (marked on the
// seer's shard, sent on its partner's) and the receipts a resume hands over (claimed on the
// resumer's shard, made on its partner's). Calls for one session from this node keep their order
// across that split: a call for a session waits for the relays it sent to have issued their
// receipt step (`gated`).
import type { Cluster } from 'ioredis'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { ChatBackend, Control, Expired, Inbox } from '../chat/ports/chat-backend'
import { encodeEphemeral, type SequencedFrameInput } from '../chat/protocol'
import { newLocalSession, type ChatRef, type LastChat, type LocalSession, type SessionState, type SessionView } from '../chat/session'
import type { NodeHeartbeat } from './nodes'
import { defineScript, type RedisConnections } from './redis'
import { partitionOf, partitionTags } from './slots'
import { watchPartitionMoves } from './partition-moves'
import { fromRecord, recordFields, seqOf } from './redis-backend-records'
import {
  ACK,
  CLAIM,
  CREATE,
  DETACH,
  EXPIRE_ONE,
  FORGET,
  INDEX_ADD,
  scriptFor,
  ORPHAN_ONE,
  PROBE,
  PING,
  PUSH,
  REASSERT,
  RELAY_IN,
  RELAY,
  RELAY_OUT,
  RELEASE,
  REPLY_OF,
  SEEN_MARK,
  SEEN_OUT,
  SEND,
  TAKE_DUE,
  TOUCH,
  TRANSCRIPT,
  UNINDEX,
} from './redis-backend-scripts'
import { allChannel as allChannelOf, createSeenIds, decodeAddressAction, encodeAddressAction, newActionId } from './address-actions'

export interface RedisBackendOptions {
  redis: RedisConnections
  nodes: NodeHeartbeat
  log: Logger
  metrics: Metrics
  resumeWindowMs: number
  resumeBufferFrames: number
  /** Sockets open on this node. */
  connected: () => number
  /** How long a chat's last lines stay readable for a report after its last message. */
  transcriptKeepMs: number
  now?: () => number
}

const EXPIRY_POLL_MS = 500
/** A partition's ping that has not come back by then is sent again (its master is down, or not subscribed to yet). */
const PING_WAIT_MS = 1000
/** A probe that has not come back by then went where this node does not listen: resume the session. */
const PROBE_WAIT_MS = 5000
/** How long frames past a gap wait for the missing ones (see `ahead`) before the session is re-synced. */
const HOLE_WAIT_MS = 250
/** Lines of a chat kept for reports (as the in-process transcripts keep). */
const TRANSCRIPT_LINES = 30
/**
 * Held sessions one round of the expiry sweep takes; a full round is followed by the next at once
 * (until one comes back short), so the sweep keeps up with any rate of drops rather than
 * EXPIRY_BATCH per poll (docs/benchmarks.md, "ended sessions").
 */
const EXPIRY_BATCH = 500
/** How long a node owns the ids it took from the expiry index; a node that died midway leaves them due again after it. */
const EXPIRY_LEASE_MS = 10_000
/** How long an `ended` push or an address action is retried while Redis is away. */
const RETRY_FOR_MS = 5 * 60_000
/** Calls kept for retry while Redis is away (about 1 KB each); the oldest are given up first. */
const MAX_RETRIES = 10_000

/**
 * The name of a session's record, and the stem of its other keys: `P{s:<id>}` on one Redis; on a
 * Redis Cluster `P{<partition tag>}s:<id>`, so that its keys and the node channels its scripts
 * SPUBLISH to share one slot (slots.ts).
 */
export function sessionKeyOf(prefix: string, id: string, cluster: boolean): string {
  return cluster ? `${prefix}{${partitionTags()[partitionOf(id)]}}s:${id}` : `${prefix}{s:${id}}`
}

/** A node's sharded channels on a Redis Cluster: one per partition, `<prefix>{<partition tag>}n:<node>`. */
export function shardChannelsOf(prefix: string, node: string): string[] {
  return partitionTags().map(t => `${prefix}{${t}}n:${node}`)
}

/**
 * The TTL floor of a session's keys: long past any resume window (a held session is deleted when
 * its window passes; this only bounds what a lost step or a crashed node would leave behind), and
 * refreshed while the session lives by its node's sweep (every quarter of it) and by the steps that
 * hand it over.
 */
export function sessionTtlMs(resumeWindowMs: number): number {
  return Math.max(2 * resumeWindowMs, 15 * 60_000)
}

interface Claiming {
  /** Envelopes that arrived while the claim was in flight, processed once it answers. */
  early: string[]
}

export interface RedisBackend extends ChatBackend {
  /**
   * After Redis lost its data or peers took this node for dead: every connected session's record
   * is put back (or written again), chats whose state is gone are ended (`interrupted`), waiters
   * whose place in the queue is gone search again, partners told `reconnecting` are told `back`.
   */
  recover(cause: 'data_lost' | 'taken_for_dead'): Promise<void>
  /**
   * Resolves once Redis has taken this node's SUBSCRIBE (a frame published before it would be
   * lost, e.g. the `queued` of a session made at once), or after `maxWaitMs` with Redis away:
   * the node then serves anyway, as it does during any outage.
   */
  listening(maxWaitMs: number): Promise<boolean>
}

export function createRedisBackend(opts: RedisBackendOptions): RedisBackend {
  const { redis, nodes, log } = opts
  const now = opts.now ?? Date.now
  const P = redis.prefix
  const me = nodes.nodeId
  const CH = `${P}n:`
  const myChannel = CH + me
  // On a Redis Cluster a node's frames come by sharded PUB/SUB, one channel per session partition
  // (slots.ts): `P{<partition tag>}n:<node>`, published by the script on the recipient's shard.
  const sharded = redis.cluster
  const ptags = sharded ? partitionTags() : []
  /** The channel prefix (ARGV[1]) of the scripts that run on session `id`'s shard. */
  const chan = (id: string) => (sharded ? `${P}{${ptags[partitionOf(id)]}}n:` : CH)
  const myShardChannels = sharded ? shardChannelsOf(P, me) : []
  const script = (lua: string) => defineScript(redis.cmd, scriptFor(lua, sharded))
  const allChannel = allChannelOf(P)
  const TTL = sessionTtlMs(opts.resumeWindowMs)
  const sk = (id: string) => sessionKeyOf(P, id, sharded)
  const k = {
    s: sk,
    /** A session's keys, in the order the scripts take them: s, ob, sent, rcv, rx, dr. */
    all: (id: string) => {
      const s = sk(id)
      return [s, `${s}:ob`, `${s}:sent`, `${s}:rcv`, `${s}:rx`, `${s}:dr`]
    },
    ob: (id: string) => `${sk(id)}:ob`,
    sent: (id: string) => `${sk(id)}:sent`,
    rcv: (id: string) => `${sk(id)}:rcv`,
    rx: (id: string) => `${sk(id)}:rx`,
    dr: (id: string) => `${sk(id)}:dr`,
    ns: (node: string) => `${P}{n:${node}}:ns`,
    exp: `${P}{exp}`,
    tr: (chat: string) => `${P}{c:${chat}}:tr`,
  }
  const run = {
    push: script(PUSH),
    probe: script(PROBE),
    ping: script(PING),
    relayIn: script(RELAY_IN),
    relayOut: script(RELAY_OUT),
    relay: script(RELAY),
    replyOf: script(REPLY_OF),
    release: script(RELEASE),
    seenMark: script(SEEN_MARK),
    seenOut: script(SEEN_OUT),
    transcript: script(TRANSCRIPT),
    send: script(SEND),
    ack: script(ACK),
    create: script(CREATE),
    touch: script(TOUCH),
    claim: script(CLAIM),
    detach: script(DETACH),
    expireOne: script(EXPIRE_ONE),
    takeDue: script(TAKE_DUE),
    unindex: script(UNINDEX),
    forget: script(FORGET),
    orphanOne: script(ORPHAN_ONE),
    reassert: script(REASSERT),
    indexAdd: script(INDEX_ADD),
  }
  /** This node's set of sessions, with its TTL floor. */
  const addToNode = (...ids: string[]) => run.indexAdd([k.ns(me)], [TTL, ...ids])
  /**
   * Per session, the point after which a call for it may be sent: a relay's receipt step goes out
   * only once its text step has answered, and what this node sends the sender meanwhile must
   * follow that receipt (rule 1 of the port). Never rejects.
   */
  const gates = new Map<string, Promise<void>>()
  /** Per sender, the step 1 of a text that waits for its replyTo to be read: later texts follow it. */
  const quoting = new Map<string, Promise<void>>()
  function gated<T>(id: string, call: () => Promise<T>): Promise<T> {
    const g = gates.get(id)
    return g ? g.then(call) : call()
  }
  function setGate(id: string, g: Promise<void>) {
    gates.set(id, g)
    void g.then(() => {
      if (gates.get(id) === g) gates.delete(id)
    })
  }
  /**
   * The receipts held with resumed session `id` (CLAIM answered them) go to its partner, on the
   * partner's shard; then they leave `id`'s list. RELEASE makes each one once, so a retry after
   * a lost trim sends nothing twice.
   */
  function releaseHeld(id: string, chat: ChatRef | null, held: string[]) {
    if (!chat) return
    const [a0, a1, a2] = k.all(chat.partnerId)
    gated(chat.partnerId, () => run.release([a0!, a1!, a2!], [chan(chat.partnerId), chat.partnerId, chat.id, opts.resumeBufferFrames, TTL, ...held]))
      .then(() => redis.cmd.ltrim(k.dr(id), held.length, -1))
      .catch(fail('release'))
  }
  const sessions = new Map<string, LocalSession>()
  const claiming = new Map<string, Claiming>()
  /** Sessions whose record create() is still writing (see ChatBackend.created). */
  const creating = new Map<string, Promise<void>>()
  /** Frames that arrived for a claimed session before its socket opened (replayed on attach). */
  const pending = new Map<string, string[]>()
  /**
   * The highest seq of the frames that reached this node for each of its sessions (shown or not).
   * A session's seqs have no holes (each is taken by the script that publishes its frame), so a
   * frame past the next one means a frame was lost on the way: the node's subscription had a gap
   * (see "partitions whose subscription had a gap"). If Redis loses the session's record, it is
   * written again from this seq on, so the client, which drops what it has seen, does not drop
   * what follows.
   */
  const heard = new Map<string, number>()
  /** Claimed sessions not attached yet whose frames had a hole: sent to resume once attached. */
  const holed = new Set<string>()
  let inbox!: Inbox
  let online = 0
  let closed = false

  const fail = (what: string) => (err: unknown) => {
    opts.metrics.inc('redis_errors_total', { op: what })
    log.warn('redis call failed', { op: what, err: (err as Error)?.message })
  }

  // ---------- arriving frames ----------

  function onEnvelope(msg: string) {
    const tag = msg.charCodeAt(0)
    if (tag === 84 /* T */) {
      const s = sessions.get(msg.slice(1))
      if (s) inbox.takenOver(s)
      return
    }
    if (tag === 76 /* L */) return onPing(Number(msg.slice(1)))
    const nl = msg.indexOf('\n')
    const id = msg.slice(1, nl)
    if (tag === 81 /* Q */) return onProbe(id, Number(msg.slice(nl + 1)))
    const c = claiming.get(id)
    if (c) return void c.early.push(msg)
    const s = sessions.get(id)
    if (!s) return
    if (tag === 69 /* E */) deliverEphemeral(s, msg, nl)
    else deliverEnvelope(s, msg, nl)
  }

  function deliverEnvelope(s: LocalSession, msg: string, nl: number) {
    const nl2 = msg.indexOf('\n', nl + 1)
    const ctl = msg.slice(nl + 1, nl2)
    const json = msg.slice(nl2 + 1)
    // An F envelope's frame is a sequenced one (ephemeral frames come as E).
    let hole = false
    let seq = 0
    if (json) {
      seq = seqOf(json)
      const was = heard.get(s.id) ?? 0
      hole = seq > was + 1
      // A frame held ahead of a gap is heard once the gap fills (see `ahead`).
      if (seq > was && !(hole && s.conn)) heard.set(s.id, seq)
    }
    if (ctl && !inbox.apply(s, JSON.parse(ctl) as Control)) return
    if (!json) return
    // Shown after a hole, the frame would be taken for seen when the missing one came back by
    // the resume (the client drops a seq below one it has), so the resume brings both, in order.
    if (s.conn) {
      if (hole) holdAhead(s.id, seq, json)
      else {
        inbox.arrive(s, json)
        if (ahead.has(s.id)) showAhead(s)
      }
    } else if (hole) holed.add(s.id)
    else pending.get(s.id)?.push(json)
  }

  /**
   * Frames of a connected session that came past the next seq, held until the missing ones come.
   * A sender's receipt comes back in its relay script's answer, on the command connection, while
   * a frame the script before it published for the same session may still be on the subscriber
   * connection: the two connections are read in no fixed order, so a gap of a few frames for a
   * moment is normal. One that is still there after HOLE_WAIT_MS is a frame lost on the way
   * (a subscription gap): the session is re-synced as before.
   */
  const ahead = new Map<string, { frames: Map<number, string>; timer: ReturnType<typeof setTimeout> }>()
  function holdAhead(id: string, seq: number, json: string) {
    let a = ahead.get(id)
    if (!a) {
      const timer = setTimeout(() => {
        if (ahead.get(id) !== a) return
        ahead.delete(id)
        resync(id)
      }, HOLE_WAIT_MS)
      timer.unref?.()
      a = { frames: new Map(), timer }
      ahead.set(id, a)
    }
    // Bounded like the outbox: past it the gap cannot be filled here, and the re-sync brings all.
    if (a.frames.size < opts.resumeBufferFrames) a.frames.set(seq, json)
  }
  /** The gap before the held frames may have filled: show those that now follow, in order. */
  function showAhead(s: LocalSession) {
    const a = ahead.get(s.id)!
    let next = (heard.get(s.id) ?? 0) + 1
    for (let json = a.frames.get(next); json !== undefined; json = a.frames.get(next)) {
      a.frames.delete(next)
      heard.set(s.id, next)
      inbox.arrive(s, json)
      next++
    }
    // Held frames below what was shown were shown already (a frame can come both ways only after a re-sync).
    for (const q of a.frames.keys()) if (q < next) a.frames.delete(q)
    if (a.frames.size) return
    clearTimeout(a.timer)
    ahead.delete(s.id)
  }
  function dropAhead(id: string) {
    const a = ahead.get(id)
    if (!a) return
    clearTimeout(a.timer)
    ahead.delete(id)
  }
  /** The highest seq this node knows `id` reached, frames held past a gap included. */
  function seqFloor(id: string): number {
    let n = heard.get(id) ?? 0
    const a = ahead.get(id)
    if (a) for (const q of a.frames.keys()) if (q > n) n = q
    return n
  }
  /** A frame from a relay script's answer (the sender's receipt; the text too when both sides are here): delivered as if it came from the channel. */
  function receiptBack(id: string, json: string) {
    onEnvelope('F' + id + '\n\n' + json)
  }

  function deliverEphemeral(s: LocalSession, msg: string, nl: number) {
    const json = msg.slice(msg.indexOf('\n', nl + 1) + 1)
    if (s.conn) inbox.arrive(s, json)
    else pending.get(s.id)?.push(json)
  }

  /** Address actions run here already (this node's own, or one published twice). */
  const seenActions = createSeenIds(RETRY_FOR_MS * 2, now)
  function onAll(msg: string) {
    const m = decodeAddressAction(msg)
    if (m && seenActions.first(m.id)) inbox.addressAction(m.ipHash, m.action)
  }

  redis.sub.on('message', (channel: string, msg: string) => {
    try {
      if (channel === myChannel) onEnvelope(msg)
      else if (channel === allChannel) onAll(msg)
    } catch (err) {
      log.error('bad cluster message', { err })
    }
  })
  const onShard = (channel: string, msg: string) => {
    try {
      if (channel.endsWith(`}n:${me}`)) onEnvelope(msg)
    } catch (err) {
      log.error('bad cluster message', { err })
    }
  }
  if (sharded) redis.sub.on('smessage', onShard)

  // ---------- partitions whose subscription had a gap ----------

  // What a master published while this node was not subscribed there never arrived
  // (partition-moves.ts). For each such partition the node first pings its own channel there until
  // the ping comes back: then the subscription is live again (while the master is down, or before
  // ioredis has subscribed again, the ping is lost or fails and is sent again). Then it probes each
  // connected session of the partition: its seq, published on the same channel, so it arrives after
  // every frame the shard published before it. A session whose probe names a seq past the last
  // frame its socket got, or whose probe never arrives, missed frames: its socket is closed as a
  // server restart closes it, and the client resumes (a resume replays the outbox: nothing lost,
  // nothing doubled). Probing before the subscription is back would be worse than not probing: a
  // session that resumed then would miss its next frames the same way, and nothing would tell.
  const pinging = new Map<number, ReturnType<typeof setTimeout>>()
  const probing = new Map<string, ReturnType<typeof setTimeout>>()
  /** Partitions whose ping came back, probed together (one walk of the sessions for a whole master). */
  const pinged = new Set<number>()
  function verifyDelivery(partitions: number[]) {
    log.warn('session partitions moved or resubscribed; checking their sessions', { partitions: partitions.length })
    for (const p of partitions) ping(p)
  }
  function ping(p: number) {
    if (closed) return
    clearTimeout(pinging.get(p))
    const timer = setTimeout(() => ping(p), PING_WAIT_MS)
    timer.unref?.()
    pinging.set(p, timer)
    // Any key of the partition routes the script to its shard; one that fails is sent again by the timer.
    run.ping([`${P}{${ptags[p]}}:mk`], [`${P}{${ptags[p]}}n:${me}`, `L${p}`]).catch(() => {})
  }
  function onPing(p: number) {
    const timer = pinging.get(p)
    if (!timer) return
    clearTimeout(timer)
    pinging.delete(p)
    if (!pinged.size) queueMicrotask(probePinged)
    pinged.add(p)
  }
  function probePinged() {
    const live = new Set(pinged)
    pinged.clear()
    for (const s of sessions.values()) {
      if (!s.conn || probing.has(s.id)) continue
      const p = partitionOf(s.id)
      if (!live.has(p)) continue
      const id = s.id
      const timer = setTimeout(() => resync(id), PROBE_WAIT_MS)
      timer.unref?.()
      probing.set(id, timer)
      run.probe([k.s(id)], [chan(id), id, me]).catch(err => {
        // Its shard went away again: the partition is pinged until it answers, then probed again.
        fail('probe')(err)
        clearTimeout(timer)
        probing.delete(id)
        ping(p)
      })
    }
  }
  function onProbe(id: string, seq: number) {
    const timer = probing.get(id)
    if (!timer) return
    clearTimeout(timer)
    probing.delete(id)
    if ((heard.get(id) ?? 0) < seq) resync(id)
  }
  function resync(id: string) {
    const timer = probing.get(id)
    if (timer) clearTimeout(timer)
    probing.delete(id)
    const s = sessions.get(id)
    if (!s?.conn) return
    opts.metrics.inc('cluster_resyncs_total')
    s.conn.close(1012, 'reconnect: chat moved within the cluster')
  }
  const moves = sharded ? watchPartitionMoves(redis.sub as Cluster, verifyDelivery) : null
  // SSUBSCRIBE takes channels of one slot at a time: one call per partition, pipelined (ioredis
  // sends each to the master of its slot, and subscribes again after a failover or a reshard).
  const subscribed = (
    sharded ? Promise.all([redis.sub.subscribe(allChannel), ...myShardChannels.map(c => redis.sub.ssubscribe(c))]) : redis.sub.subscribe(myChannel, allChannel)
  ).catch(fail('subscribe'))

  // ---------- held sessions: expiry and dead nodes ----------

  // The index names the candidates, leased to this node a batch at a time (so nodes split them);
  // each session's own record decides on its shard (so exactly one node expires it), then the
  // index entries go, in one call, if they still have the lease's score. Rounds follow each other
  // while they come back full: a burst of drops drains at what Redis and this node can do.
  async function expireDue() {
    for (;;) {
      const t = now()
      const lease = t + EXPIRY_LEASE_MS
      const due = (await run.takeDue([k.exp], [t, lease, EXPIRY_BATCH])) as string[]
      if (!due.length) return
      const results = await Promise.allSettled(due.map(id => expireOne(id, t)))
      // A session whose step failed keeps its entry: it is due again when the lease ends.
      const done = due.filter((_, j) => results[j]!.status === 'fulfilled')
      if (done.length) await run.unindex([k.exp], [lease, ...done])
      if (due.length < EXPIRY_BATCH || closed) return
    }
  }
  async function expireOne(id: string, t: number) {
    const r = (await run.expireOne(k.all(id), [t])) as [number, string?, string?, string?]
    if (r[0] !== 1) return
    const chat = r[2] ? (JSON.parse(r[2]) as ChatRef) : null
    const e: Expired = { id, ipHash: r[1] ?? '', chat, ...(r[3] && { undelivered: JSON.parse(r[3]) as string[] }) }
    // The rules end its chat, which pushes an `ended` to it too: nothing to push to, it is gone.
    justExpired = id
    try {
      inbox.expired(e)
    } finally {
      justExpired = null
    }
  }
  /** The session whose expiry the rules are handling right now (synchronously): pushes to it are dropped. */
  let justExpired: string | null = null
  /** Refreshes the TTL of this node's sessions' keys and of their chats' transcripts (the scripts only set it on what they create). */
  let touchedAt = now()
  function touchDue() {
    if (now() - touchedAt < TTL / 4) return
    touchedAt = now()
    for (const [id, s] of sessions) {
      run.touch(k.all(id), [TTL]).catch(fail('touch'))
      if (s.chat) void redis.cmd.pexpire(k.tr(s.chat.id), TTL).catch(fail('touch'))
    }
    void redis.cmd.pexpire(k.ns(me), TTL).catch(fail('touch'))
  }
  // Refreshed in the background: the hello frame and the online broadcast read it synchronously.
  const onlineTimer = setInterval(() => {
    void nodes.clusterOnline().then(n => {
      if (n !== null) online = n
    })
  }, 1000)
  /**
   * A detach that failed (Redis away) is retried until it lands: otherwise the record would claim
   * a socket on this node forever and never expire.
   */
  const undetached = new Map<string, number>()
  function detachInRedis(id: string, deadline: number): Promise<void> {
    undetached.delete(id)
    return heldInRedis(id, deadline).catch(err => {
      fail('detach')(err)
      if (!sessions.has(id)) undetached.set(id, deadline)
    })
  }
  /** Index first, then the record, then the node's set: a step lost to a crash leaves only an
   *  index entry the record contradicts (skipped, then removed) — never a held session no index names. */
  //  Sent at once (so a claim that follows finds the session held); a claim of it on this node
  //  waits for the whole step (the gate), or the set entry it adds would be removed here.
  function heldInRedis(id: string, deadline: number): Promise<void> {
    const step = gated(id, () => {
      const indexed = Promise.all([redis.cmd.zadd(k.exp, deadline, id), redis.cmd.pexpire(k.exp, TTL)])
      const held = run.detach(k.all(id), [me, deadline, TTL])
      return Promise.all([indexed, held]).then(async ([, r]) => {
        if (r === 1) await redis.cmd.srem(k.ns(me), id)
      })
    })
    setGate(
      id,
      step.then(
        () => {},
        () => {},
      ),
    )
    return step
  }
  function retryDetaches() {
    for (const [id, deadline] of [...undetached]) if (!sessions.has(id)) void detachInRedis(id, deadline)
  }
  /**
   * A goodbye's keys go at once (after what this node sent for the session: the gate). The record
   * first, then the indexes that name it (the record decides, so a step lost to a crash leaves
   * only an entry that is skipped, then removed). One that failed (Redis away) is retried until
   * it lands; meanwhile the record may claim a socket on this node, as a failed detach would.
   */
  const unforgotten = new Set<string>()
  function forgetInRedis(id: string): Promise<void> {
    unforgotten.delete(id)
    return gated(id, () => run.forget(k.all(id), [me]))
      .then(async r => {
        if (r === 1) await Promise.all([redis.cmd.srem(k.ns(me), id), redis.cmd.zrem(k.exp, id)])
      })
      .catch(err => {
        fail('forget')(err)
        if (!sessions.has(id)) unforgotten.add(id)
      })
  }
  function retryForgets() {
    for (const id of [...unforgotten]) if (!sessions.has(id)) void forgetInRedis(id)
  }
  /**
   * What must reach its sessions even when Redis was away when it happened: the end of a chat
   * (the partner is told once Redis is back) and address actions (a ban). Retried IN ORDER, one
   * at a time, until Redis takes them or RETRY_FOR_MS passes: a ban published before the `ended`
   * push of the report that caused it would end the chat a second time on the banned side's node,
   * and the report's `ended` would then find the chat gone. Both are safe to run twice: an `ended`
   * push applies only while its chat is the session's, an action runs once per id.
   */
  const retries: Array<{ since: number; run: () => Promise<unknown> }> = []
  let retrying = false
  function retryLater(run: () => Promise<unknown>) {
    if (closed) return
    if (retries.length >= MAX_RETRIES) retries.shift()
    retries.push({ since: now(), run })
  }
  async function retryPending() {
    if (retrying) return
    retrying = true
    try {
      while (retries.length && !closed) {
        const r = retries[0]!
        if (now() - r.since <= RETRY_FOR_MS) await r.run()
        retries.shift()
      }
    } catch {
      // Still away: keep the order, try again on the next tick.
    } finally {
      retrying = false
    }
  }
  let expiring = false
  const expiryTimer = setInterval(() => {
    if (closed) return
    if (undetached.size) retryDetaches()
    if (unforgotten.size) retryForgets()
    if (retries.length) void retryPending()
    touchDue()
    // One sweep at a time; a long one (a burst) is not interrupted by the next tick.
    if (expiring) return
    expiring = true
    expireDue()
      .catch(fail('expire'))
      .finally(() => (expiring = false))
  }, EXPIRY_POLL_MS)

  // Per session, each on its own shard: index entries first, the node's set last (a cleaner that
  // dies midway leaves the set for the next one: every step is safe to run again).
  nodes.onNodeDead(async dead => {
    const ids = await redis.cmd.smembers(k.ns(dead))
    const deadline = now() + opts.resumeWindowMs
    if (ids.length) {
      await redis.cmd.zadd(k.exp, ...ids.flatMap(id => [deadline, id]))
      await redis.cmd.pexpire(k.exp, TTL)
    }
    const removals: Array<Promise<unknown>> = []
    let held = 0
    await Promise.all(
      ids.map(async id => {
        const [won, partner, queued] = (await run.orphanOne(k.all(id), [dead, deadline, TTL])) as [number, string?, string?]
        if (won !== 1) return
        held++
        // Awaited: a node that was only stalled puts its waiters back after this cleanup has ended.
        if (queued === '1' && queueRemoval) removals.push(queueRemoval(id).catch(fail('queue remove')))
        if (partner) backend.send(partner, PARTNER_RECONNECTING)
      }),
    )
    await Promise.all(removals)
    await redis.cmd.del(k.ns(dead))
    if (held) log.warn('node died; its sessions are held for resume', { node: dead, sessions: held })
  })
  let queueRemoval: ((id: string) => Promise<unknown>) | null = null

  const backend: RedisBackend = {
    holdsDetached: false,
    wire(i) {
      inbox = i
    },
    local: id => sessions.get(id),
    all: () => sessions.values(),
    get held() {
      return sessions.size
    },
    create(id, ipHash) {
      const s = newLocalSession(id, ipHash, null)
      sessions.set(id, s)
      heard.set(id, 0)
      // Both sent at once, the node's set first (an index entry whose record says otherwise is
      // only skipped by a cleaner). What this node sends the session next waits for its record
      // and for this node's subscription (on a cluster a command to another shard may be
      // retried after a redirection, and so overtaken by a later one).
      const made = Promise.all([subscribed, addToNode(id), run.create([k.s(id)], [TTL, 'node', me, 'hold', '', 'seq', '0', ...recordFields(s)])])
      const done = made.then(() => {}, fail('create'))
      setGate(id, done)
      creating.set(id, done)
      void done.then(() => creating.delete(id))
      return s
    },
    created: id => creating.get(id) ?? Promise.resolve(),
    listening(maxWaitMs) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const late = new Promise<boolean>(resolve => (timer = setTimeout(() => resolve(false), maxWaitMs)))
      return Promise.race([subscribed.then(() => true), late]).finally(() => clearTimeout(timer))
    },
    async restore(id) {
      if (!/^[\w-]{16,64}$/.test(id)) return false
      await subscribed
      const c: Claiming = { early: [] }
      claiming.set(id, c)
      let reply: [string[], string[], string, string[]] | null
      try {
        reply = (await gated(id, async () => {
          await addToNode(id)
          return run.claim(k.all(id), [chan(id), id, me, TTL])
        })) as [string[], string[], string, string[]] | null
        // The old node's set entry: its record now names this node, so a leftover is only skipped.
        const old = reply?.[2]
        if (old && old !== me) void redis.cmd.srem(k.ns(old), id).catch(fail('claim'))
      } catch (err) {
        fail('claim')(err)
        reply = null
      } finally {
        claiming.delete(id)
      }
      if (!reply) return false
      // Taken over on this same node: keep the object (the hub closes its old socket with 4001).
      const s = sessions.get(id) ?? fromRecord(id, reply[0])
      sessions.set(id, s)
      if (reply[3].length) releaseHeld(id, fromRecord(id, reply[0]).chat, reply[3])
      const replay = reply[1]
      let last = replay.length ? seqOf(replay[replay.length - 1]!) : 0
      pending.set(id, replay)
      // What arrived meanwhile, in order, without what the replay already holds.
      for (const msg of c.early) {
        if (msg.charCodeAt(0) !== 70) continue
        const nl = msg.indexOf('\n')
        const nl2 = msg.indexOf('\n', nl + 1)
        const ctl = msg.slice(nl + 1, nl2)
        const json = msg.slice(nl2 + 1)
        if (ctl) inbox.apply(s, JSON.parse(ctl) as Control)
        if (json && seqOf(json) > last) {
          replay.push(json)
          last = seqOf(json)
        }
      }
      // Frames from here on continue the record's seq (the replay may be empty: all acknowledged).
      const at = reply[0].indexOf('seq')
      heard.set(id, Math.max(last, at >= 0 && at % 2 === 0 ? Number(reply[0][at + 1]) || 0 : 0))
      return true
    },
    attach(s) {
      const replay = pending.get(s.id) ?? []
      pending.delete(s.id)
      // What came before the hole is shown; the resume brings the rest.
      if (holed.delete(s.id)) queueMicrotask(() => resync(s.id))
      return replay
    },
    async connected(id) {
      const node = await redis.cmd.hget(k.s(id), 'node')
      return Boolean(node)
    },
    detach(s) {
      sessions.delete(s.id)
      pending.delete(s.id)
      heard.delete(s.id)
      holed.delete(s.id)
      dropAhead(s.id)
      const held = detachInRedis(s.id, now() + opts.resumeWindowMs)
      // What this node sends the partner next (its `partner reconnecting`) waits until the record
      // says held: a text the partner sends in reaction then keeps its receipt for the resume.
      const partner = s.chat?.partnerId
      if (partner) {
        const before = gates.get(partner)
        setGate(
          partner,
          Promise.all([before, held]).then(() => {}),
        )
      }
    },
    drop(id) {
      sessions.delete(id)
      pending.delete(id)
      heard.delete(id)
      holed.delete(id)
      dropAhead(id)
    },
    forget(id) {
      const s = sessions.get(id)
      // A resume of it (on this node) is under way or done: that socket keeps it.
      if (s?.conn || claiming.has(id)) return false
      sessions.delete(id)
      pending.delete(id)
      heard.delete(id)
      holed.delete(id)
      dropAhead(id)
      undetached.delete(id)
      void forgetInRedis(id)
      return true
    },
    push(to, frame, ctl?: Control) {
      if (to === justExpired) return
      let t = ''
      let chat = ''
      let partner = ''
      let doc = ''
      if (ctl?.t === 'matched') {
        t = 'matched'
        chat = ctl.chat.id
        partner = ctl.chat.partnerId
        doc = JSON.stringify(ctl.chat)
      } else if (ctl?.t === 'ended') {
        t = 'ended'
        chat = ctl.chat
        partner = ctl.partnerId
        doc = JSON.stringify({ id: ctl.chat, partnerId: ctl.partnerId, partnerIpHash: ctl.partnerIpHash, endedAt: ctl.at } satisfies LastChat)
      }
      const json = frame ? JSON.stringify(frame as SequencedFrameInput) : ''
      const keys = k.all(to)
      const args = [chan(to), to, json, ctl ? JSON.stringify(ctl) : '', t, chat, partner, doc, opts.resumeBufferFrames, TTL]
      const push = () => gated(to, () => run.push(keys, args))
      // The transcript is kept for the after-chat window from now (it had the floor while the chat lived).
      if (t === 'ended') void redis.cmd.pexpire(k.tr(chat), opts.transcriptKeepMs).catch(fail('transcript'))
      push().catch(err => {
        fail('push')(err)
        // The end of a chat must reach both sides once Redis is back (else the partner stays in it).
        if (t === 'ended') retryLater(push)
      })
    },
    send(to, json) {
      gated(to, () => run.send([k.s(to)], [chan(to), to, json])).catch(fail('send'))
    },
    relayText(from, to, clientId, body, at, replyTo) {
      // Step 1 on the recipient's shard, step 2 (the receipt) on the sender's once step 1 answered.
      // Across a crash between them the client resends the text (it got no receipt): step 1 knows
      // it (rcv) and does not relay it again, step 2 then makes its receipt. A text quoting one
      // of the partner's (replyTo) first reads which partner text that is, on the sender's shard
      // (its rx); the sender's later texts wait for it (`quoting`), so they keep their order.
      const chat = from.chat?.id ?? ''
      // When the relay began, to the microsecond: the transcript's order (see transcript()); `at`
      // is whole milliseconds, and a quick reply can share its text's.
      const began = performance.timeOrigin + performance.now()
      const bodyJson = JSON.stringify(body)
      const idJson = JSON.stringify(clientId)
      const [tk0, tk1, , tk3, tk4, tk5] = k.all(to)
      const fk = k.all(from.id)
      if (!sharded) {
        // One Redis holds both sessions and the transcript: the whole relay is one script.
        const line = JSON.stringify({ from: from.id, body, at, t: began })
        const keys = [tk0!, tk1!, tk3!, tk4!, tk5!, fk[0]!, fk[1]!, fk[2]!, fk[4]!, k.tr(chat)]
        const args = [chan(to), to, chat, clientId, bodyJson, at, opts.resumeBufferFrames, TTL, idJson, replyTo ?? '', from.id, line, TRANSCRIPT_LINES, me]
        const relay = () =>
          run.relay(keys, args).then(
            r => {
              const [rin, rout, receipt, text] = r as [number, number, string, string]
              if (text) receiptBack(to, text)
              if (receipt) receiptBack(from.id, receipt)
              if (rin === 0 && rout === 0) inbox.relayRefused(from, clientId, 'not_in_chat')
            },
            err => {
              fail('relay')(err)
              inbox.relayRefused(from, clientId, 'unavailable')
            },
          )
        const g1 = gates.get(to)
        const g2 = gates.get(from.id)
        if (!g1 && !g2) void relay()
        else {
          // Calls for either session issued after this one must follow it, as they follow a split relay's steps.
          const before = g1 && g2 ? Promise.all([g1, g2]) : (g1 ?? g2)!
          const issued = before.then(() => void relay())
          setGate(from.id, issued)
          setGate(to, issued)
        }
        return
      }
      const textIn = (reply: string) =>
        gated(to, () => run.relayIn([tk0!, tk1!, tk3!, tk4!, tk5!], [chan(to), to, chat, clientId, bodyJson, at, opts.resumeBufferFrames, TTL, idJson, reply]))
      const before = quoting.get(from.id)
      let textStep: Promise<unknown>
      if (replyTo === undefined && !before) textStep = textIn('')
      else {
        const reply =
          replyTo === undefined
            ? Promise.resolve('')
            : run.replyOf([fk[0]!, k.rx(from.id)], [chat, replyTo]).then(
                r => (typeof r === 'string' ? r : ''),
                () => '',
              )
        const ready = Promise.all([before, reply])
        textStep = ready.then(([, r]) => textIn(r))
        // Resolves once this text's step 1 is sent (its .then above runs first).
        const sent = ready.then(() => {})
        quoting.set(from.id, sent)
        void sent.then(() => {
          if (quoting.get(from.id) === sent) quoting.delete(from.id)
        })
      }
      // `first`: step 1 has just relayed the text, so step 2 need not look for a kept receipt; a
      // retry after a fault looks (the step may have run after all).
      const receiptStep = (mode: '0' | '1' | '3', first: boolean) =>
        run.relayOut([fk[0]!, fk[1]!, fk[2]!], [chan(from.id), from.id, chat, idJson, clientId, at, opts.resumeBufferFrames, TTL, mode, me, first ? '1' : '']).then(r => {
          const [code, receipt] = r as [number, string]
          if (receipt) receiptBack(from.id, receipt)
          return code
        })
      let outcome: Promise<unknown>
      const gate = Promise.all([gates.get(from.id), textStep]).then(
        ([, r]) => {
          // A resend after its chat ended still gets its first receipt (mode '0'); one whose
          // recipient has no socket keeps it held there (mode '3').
          const mode = r === 0 ? '0' : r === 3 || r === 4 ? '3' : '1'
          outcome = receiptStep(mode, r === 1 || r === 3).then(rr => {
            if (r === 0 && rr === 0) inbox.relayRefused(from, clientId, 'not_in_chat')
          })
          if ((r === 1 || r === 3) && chat) {
            const line = JSON.stringify({ from: from.id, body, at, t: began })
            run.transcript([k.tr(chat)], [line, TRANSCRIPT_LINES, TTL]).catch(fail('transcript'))
          }
          outcome.catch(err => {
            fail('relay')(err)
            // Step 1 refused or its answer is unknown: the text was not relayed.
            if (mode === '0') return inbox.relayRefused(from, clientId, 'unavailable')
            // The text reached its recipient; only the receipt's step failed (the sender's shard
            // is down or frozen). Telling the sender "not sent" would be false: the receipt is
            // made once that shard answers again (a step that did run after all answers the
            // same receipt, same seq, which the client drops as seen).
            retryLater(() => receiptStep(mode, false))
          })
        },
        err => {
          fail('relay')(err)
          inbox.relayRefused(from, clientId, 'unavailable')
        },
      )
      setGate(from.id, gate)
    },
    async receipt(s, clientId) {
      const r = await redis.cmd.hget(k.sent(s.id), clientId).catch(() => null)
      // '' marks a text whose receipt is still held with the partner: there is none to answer with.
      return r || undefined
    },
    seen(s, seq) {
      // Step 1 on s's shard (how far it has seen; which partner text that newly covers), step 2 on
      // the partner's: its sequenced `seen`. What this node sends the partner next waits for step 2
      // (a gate on the partner), so a `seen` then a `leave` reaches it as `seen` then `ended`.
      const chat = s.chat
      const partner = chat?.partnerId ?? ''
      const before = partner ? gates.get(partner) : undefined
      const step = gated(s.id, () => run.seenMark([k.s(s.id), k.rx(s.id)], [seq, chat?.id ?? ''])).then(async r => {
        if (typeof r === 'number') {
          if (r >= 0) inbox.badAck(s, `seen: seq ${seq} has not been sent yet (latest is ${r})`)
          return
        }
        if (!partner || !chat) return
        const [a0, a1] = k.all(partner)
        await before
        await run.seenOut([a0!, a1!], [chan(partner), partner, chat.id, String(r), opts.resumeBufferFrames, TTL])
      })
      const done = step.catch(fail('seen'))
      if (partner) setGate(partner, done)
    },
    ack(s, seq) {
      const [s0, s1] = k.all(s.id)
      gated(s.id, () => run.ack([s0!, s1!], [seq])).then(r => {
        if ((r as number) >= 0) inbox.badAck(s, `ack: seq ${seq} has not been sent yet (latest is ${r as number})`)
      }, fail('ack'))
    },
    save(s) {
      gated(s.id, () => redis.cmd.hset(k.s(s.id), ...recordFields(s))).catch(fail('save'))
    },
    async view(id): Promise<SessionView | null> {
      const here = sessions.get(id)
      if (here) {
        const c = here.chat
        return {
          id,
          ipHash: here.ipHash,
          connected: here.conn !== null,
          state: here.state,
          video: here.video,
          chat: c && { id: c.id, partnerId: c.partnerId, partnerIpHash: c.partnerIpHash, common: c.common, video: c.video === true },
          lastChat: here.lastChat,
        }
      }
      if (!/^[\w-]{16,64}$/.test(id)) return null
      const [node, ip, state, chat, last, video] = await redis.cmd.hmget(k.s(id), 'node', 'ip', 'state', 'chat', 'last', 'video')
      if (ip === null) return null
      const c = chat ? (JSON.parse(chat) as ChatRef) : null
      return {
        id,
        ipHash: ip ?? '',
        connected: Boolean(node),
        state: (state as SessionState) || 'idle',
        video: video === '1',
        chat: c && { id: c.id, partnerId: c.partnerId, partnerIpHash: c.partnerIpHash, common: c.common, video: c.video === true },
        lastChat: last ? (JSON.parse(last) as LastChat) : null,
      }
    },
    async addressAction(ipHash, action) {
      // This node's sessions at once, whatever Redis does; the other nodes through Redis.
      const id = newActionId()
      seenActions.first(id)
      inbox.addressAction(ipHash, action)
      const publish = () => redis.cmd.publish(allChannel, encodeAddressAction({ id, ipHash, action }))
      await publish().catch(err => {
        fail('address action')(err)
        retryLater(publish)
      })
    },
    online: () => Math.max(online, opts.connected()),
    async persistAll() {
      // Everything already lives in Redis: hold every local session for the resume window, so
      // the client resumes on whichever node it reaches next.
      await Promise.all(
        [...sessions.values()].map(async s => {
          await heldInRedis(s.id, now() + opts.resumeWindowMs).catch(fail('detach'))
          if (s.chat) backend.send(s.chat.partnerId, PARTNER_RECONNECTING)
        }),
      )
      return () => true
    },
    async reclaim() {
      const ids = [...sessions.values()].filter(s => s.conn).map(s => s.id)
      if (!ids.length) return
      // The node's set first; each record on its own shard (the expiry index entries are skipped
      // once the records name this node again, then removed).
      await addToNode(...ids)
      await Promise.all(ids.map(id => redis.cmd.hset(k.s(id), 'node', me, 'hold', '')))
      log.warn('heartbeat lapsed; sessions reclaimed', { sessions: ids.length })
    },
    async recover(cause) {
      const list = [...sessions.values()].filter(s => s.conn)
      const counts = { lost: 0, orphaned: 0, movedAway: 0 }
      await Promise.all(
        list.map(async s => {
          const c = s.chat
          const record = [
            s.ipHash,
            s.state,
            JSON.stringify(s.interests),
            s.random ? '1' : '0',
            s.requeue ? '1' : '0',
            s.awaitingProof ? '1' : '0',
            seqFloor(s.id),
            c?.id ?? '',
            c?.partnerId ?? '',
            c ? JSON.stringify(c) : '',
            s.lastChat ? JSON.stringify(s.lastChat) : '',
            JSON.stringify(s.languages),
            s.anyLanguage ? '1' : '0',
            s.video ? '1' : '0',
          ]
          let r: [number, string?]
          try {
            await addToNode(s.id)
            r = (await run.reassert([k.s(s.id)], [me, TTL, ...record])) as [number, string?]
          } catch (err) {
            return fail('reassert')(err)
          }
          if (sessions.get(s.id) !== s || !s.conn) return
          if (r[0] === 2) {
            counts.movedAway++
            return inbox.takenOver(s)
          }
          if (r[0] === 0) {
            counts.lost++
            // Its chat (or its place in the queue) went with Redis's data.
            if (s.chat || s.state === 'queued') inbox.interrupted(s)
            return
          }
          if (r[0] === 3) {
            counts.orphaned++
            // Held as a dead node's: its partner was told `reconnecting`, its place in the queue removed.
            if (s.chat) backend.send(s.chat.partnerId, PARTNER_BACK)
            else if (s.state === 'queued' && r[1] !== 'queued') inbox.interrupted(s)
          }
        }),
      )
      log.warn('cluster state put back after a Redis fault', { cause, sessions: list.length, ...counts })
    },
    async transcript(chatId) {
      if (!/^[\w-]{8,64}$/.test(chatId)) return null
      // The list holds up to a third more than the lines kept (TRANSCRIPT cuts it back in steps):
      // the last ones count.
      const raw = await redis.cmd.lrange(k.tr(chatId), 0, -1)
      if (!raw.length) return null
      // A line is appended once its text's first step answered, so the partner's reply can land
      // first: the report shows them in the order they were sent, by when each relay began (`t`,
      // sub-millisecond; a reply began after its text reached the partner, so on one host the two
      // never tie; lines written before `t` existed sort by `at`).
      return raw
        .map(l => JSON.parse(l) as { from: string; body: string; at: number; t?: number })
        .sort((a, b) => (a.t ?? a.at) - (b.t ?? b.at))
        .slice(-TRANSCRIPT_LINES)
        .map(({ from, body, at }) => ({ from, body, at }))
    },
    useQueue(remove) {
      queueRemoval = remove
    },
    async close() {
      closed = true
      clearInterval(expiryTimer)
      clearInterval(onlineTimer)
      if (sharded) {
        moves?.stop()
        for (const timer of [...probing.values(), ...pinging.values()]) clearTimeout(timer)
        redis.sub.off('smessage', onShard)
        await Promise.all([redis.sub.unsubscribe(allChannel), ...myShardChannels.map(c => redis.sub.sunsubscribe(c))]).catch(() => {})
      } else await redis.sub.unsubscribe(myChannel, allChannel).catch(() => {})
    },
  }
  return backend
}

const PARTNER_RECONNECTING = encodeEphemeral({ type: 'partner', state: 'reconnecting' })
const PARTNER_BACK = encodeEphemeral({ type: 'partner', state: 'back' })
