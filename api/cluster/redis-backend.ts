// The chat backend of a cluster: sessions, mailboxes and delivery in Redis, so any node can pair,
// relay to and resume any session. A session's record is a hash; its unacknowledged frames a
// list (they outlive a killed node); its node's channel carries every frame for it.
//
// Why frames take seq in Redis, not on the recipient's node: a node that pushes to a session on a
// node that just died would otherwise lose the frame. Each push is one Lua script that takes the
// next seq, appends the frame to the outbox and publishes it to the node holding the socket (if
// any) — atomic, so seqs and publishes are in the same order, and a frame is either in the outbox
// or was never accepted. The relay's hot path is one script for both frames of a message.
//
// Keys (prefix P): P s:<id> hash {node, ip, state, interests, random, video, requeue, proof, cid, pid,
// chat, last, seq} · P ob:<id> list · P sent:<id> hash clientId → receipt · P ns:<node> set of its
// sessions · P exp zset of held sessions by deadline. Channels: P n:<node> (frames, takeovers),
// P all (actions for every node, e.g. bans).
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { ChatBackend, Control, Expired, Inbox } from '../chat/ports/chat-backend'
import { encodeEphemeral, type SequencedFrameInput } from '../chat/protocol'
import { newLocalSession, type ChatRef, type LastChat, type LocalSession, type SessionState, type SessionView } from '../chat/session'
import type { NodeHeartbeat } from './nodes'
import { defineScript, type RedisConnections } from './redis'
import { fromRecord, recordFields, seqOf } from './redis-backend-records'
import { ACK, CLAIM, DETACH, EXPIRE, ORPHAN, PUSH, REASSERT, RELAY, SEND } from './redis-backend-scripts'
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
/** Lines of a chat kept for reports (as the in-process transcripts keep). */
const TRANSCRIPT_LINES = 30
const EXPIRY_BATCH = 200
/** How long an `ended` push or an address action is retried while Redis is away. */
const RETRY_FOR_MS = 5 * 60_000
/** Calls kept for retry while Redis is away (about 1 KB each); the oldest are given up first. */
const MAX_RETRIES = 10_000

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
}

export function createRedisBackend(opts: RedisBackendOptions): RedisBackend {
  const { redis, nodes, log } = opts
  const now = opts.now ?? Date.now
  const P = redis.prefix
  const me = nodes.nodeId
  const myChannel = `${P}n:${me}`
  const allChannel = allChannelOf(P)
  const k = { s: (id: string) => `${P}s:${id}`, ob: (id: string) => `${P}ob:${id}`, sent: (id: string) => `${P}sent:${id}`, ns: (node: string) => `${P}ns:${node}`, exp: `${P}exp` }
  const run = {
    push: defineScript(redis.cmd, PUSH),
    relay: defineScript(redis.cmd, RELAY),
    send: defineScript(redis.cmd, SEND),
    ack: defineScript(redis.cmd, ACK),
    claim: defineScript(redis.cmd, CLAIM),
    detach: defineScript(redis.cmd, DETACH),
    expire: defineScript(redis.cmd, EXPIRE),
    orphan: defineScript(redis.cmd, ORPHAN),
    reassert: defineScript(redis.cmd, REASSERT),
  }
  const sessions = new Map<string, LocalSession>()
  const claiming = new Map<string, Claiming>()
  /** Frames that arrived for a claimed session before its socket opened (replayed on attach). */
  const pending = new Map<string, string[]>()
  /**
   * The last sequenced frame sent to each connected session of this node (the string only: its
   * seq is read when needed). If Redis loses the session's record, it is written again from this
   * seq on, so the client, which drops what it has seen, does not drop what follows.
   */
  const lastFrame = new Map<string, string>()
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
    const nl = msg.indexOf('\n')
    const id = msg.slice(1, nl)
    const c = claiming.get(id)
    if (c) return void c.early.push(msg)
    const s = sessions.get(id)
    if (s) deliverEnvelope(s, msg, nl)
  }

  function deliverEnvelope(s: LocalSession, msg: string, nl: number) {
    const nl2 = msg.indexOf('\n', nl + 1)
    const ctl = msg.slice(nl + 1, nl2)
    const json = msg.slice(nl2 + 1)
    if (ctl && !inbox.apply(s, JSON.parse(ctl) as Control)) return
    if (!json) return
    if (s.conn) {
      inbox.arrive(s, json)
      lastFrame.set(s.id, json)
    } else pending.get(s.id)?.push(json)
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
  const subscribed = redis.sub.subscribe(myChannel, allChannel).catch(fail('subscribe'))

  // ---------- held sessions: expiry and dead nodes ----------

  async function expireDue() {
    const out = (await run.expire([k.exp], [P, now(), EXPIRY_BATCH])) as string[]
    for (let i = 0; i < out.length; i += 3) {
      const chat = out[i + 2] ? (JSON.parse(out[i + 2]!) as ChatRef) : null
      const e: Expired = { id: out[i]!, ipHash: out[i + 1]!, chat }
      inbox.expired(e)
    }
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
  function detachInRedis(id: string, deadline: number) {
    undetached.delete(id)
    run.detach([k.s(id), k.exp, k.ns(me)], [id, me, deadline]).catch(err => {
      fail('detach')(err)
      if (!sessions.has(id)) undetached.set(id, deadline)
    })
  }
  function retryDetaches() {
    for (const [id, deadline] of [...undetached]) if (!sessions.has(id)) detachInRedis(id, deadline)
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
    if (expiring || closed) return
    expiring = true
    if (undetached.size) retryDetaches()
    if (retries.length) void retryPending()
    expireDue()
      .catch(fail('expire'))
      .finally(() => (expiring = false))
  }, EXPIRY_POLL_MS)

  nodes.onNodeDead(async dead => {
    const out = (await run.orphan([k.ns(dead), k.exp], [P, dead, now() + opts.resumeWindowMs])) as string[]
    const removals: Array<Promise<unknown>> = []
    for (let i = 0; i < out.length; i += 3) {
      const [id, partner, queued] = [out[i]!, out[i + 1]!, out[i + 2]!]
      // Awaited: a node that was only stalled puts its waiters back after this cleanup has ended.
      if (queued === '1' && queueRemoval) removals.push(queueRemoval(id).catch(fail('queue remove')))
      if (partner) backend.send(partner, PARTNER_RECONNECTING)
    }
    await Promise.all(removals)
    if (out.length) log.warn('node died; its sessions are held for resume', { node: dead, sessions: out.length / 3 })
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
      redis.cmd
        .multi()
        .hset(k.s(id), 'node', me, 'seq', '0', ...recordFields(s))
        .sadd(k.ns(me), id)
        .exec()
        .catch(fail('create'))
      return s
    },
    async restore(id) {
      if (!/^[\w-]{16,64}$/.test(id)) return false
      await subscribed
      const c: Claiming = { early: [] }
      claiming.set(id, c)
      let reply: [string[], string[]] | null
      try {
        reply = (await run.claim([k.s(id), k.ob(id), k.exp, k.ns(me)], [P, id, me])) as [string[], string[]] | null
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
      return true
    },
    attach(s) {
      const replay = pending.get(s.id) ?? []
      pending.delete(s.id)
      if (replay.length) lastFrame.set(s.id, replay[replay.length - 1]!)
      return replay
    },
    async connected(id) {
      const node = await redis.cmd.hget(k.s(id), 'node')
      return Boolean(node)
    },
    detach(s) {
      sessions.delete(s.id)
      pending.delete(s.id)
      lastFrame.delete(s.id)
      detachInRedis(s.id, now() + opts.resumeWindowMs)
    },
    drop(id) {
      sessions.delete(id)
      pending.delete(id)
      lastFrame.delete(id)
    },
    push(to, frame, ctl?: Control) {
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
      const keys = [k.s(to), k.ob(to), k.sent(to)]
      const args = [P, to, json, ctl ? JSON.stringify(ctl) : '', t, chat, partner, doc, opts.resumeBufferFrames]
      const push = () => run.push(keys, args)
      push().catch(err => {
        fail('push')(err)
        // The end of a chat must reach both sides once Redis is back (else the partner stays in it).
        if (t === 'ended') retryLater(push)
      })
    },
    send(to, json) {
      run.send([k.s(to)], [P, to, json]).catch(fail('send'))
    },
    relayText(from, to, clientId, body, at) {
      const chat = from.chat?.id ?? ''
      run
        .relay(
          [k.s(from.id), k.ob(from.id), k.sent(from.id), k.s(to), k.ob(to)],
          [P, from.id, to, chat, JSON.stringify(clientId), clientId, JSON.stringify(body), at, opts.resumeBufferFrames, TRANSCRIPT_LINES, opts.transcriptKeepMs],
        )
        .then(
          r => {
            if (r === 0) inbox.relayRefused(from, clientId, 'not_in_chat')
          },
          err => {
            fail('relay')(err)
            inbox.relayRefused(from, clientId, 'unavailable')
          },
        )
    },
    async receipt(s, clientId) {
      const r = await redis.cmd.hget(k.sent(s.id), clientId).catch(() => null)
      return r ?? undefined
    },
    ack(s, seq) {
      run.ack([k.s(s.id), k.ob(s.id)], [seq]).then(r => {
        if ((r as number) >= 0) inbox.badAck(s, `ack: seq ${seq} has not been sent yet (latest is ${r as number})`)
      }, fail('ack'))
    },
    save(s) {
      redis.cmd.hset(k.s(s.id), ...recordFields(s)).catch(fail('save'))
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
          await run.detach([k.s(s.id), k.exp, k.ns(me)], [s.id, me, now() + opts.resumeWindowMs]).catch(fail('detach'))
          if (s.chat) backend.send(s.chat.partnerId, PARTNER_RECONNECTING)
        }),
      )
      return () => true
    },
    async reclaim() {
      const ids = [...sessions.values()].filter(s => s.conn).map(s => s.id)
      if (!ids.length) return
      const m = redis.cmd.multi()
      for (const id of ids) m.hset(k.s(id), 'node', me).zrem(k.exp, id).sadd(k.ns(me), id)
      await m.exec()
      log.warn('heartbeat lapsed; sessions reclaimed', { sessions: ids.length })
    },
    async recover(cause) {
      const list = [...sessions.values()].filter(s => s.conn)
      const counts = { lost: 0, orphaned: 0, movedAway: 0 }
      await Promise.all(
        list.map(async s => {
          const c = s.chat
          const last = lastFrame.get(s.id)
          const record = [
            s.ipHash,
            s.state,
            JSON.stringify(s.interests),
            s.random ? '1' : '0',
            s.requeue ? '1' : '0',
            s.awaitingProof ? '1' : '0',
            last ? seqOf(last) : 0,
            c?.id ?? '',
            c?.partnerId ?? '',
            c ? JSON.stringify(c) : '',
            s.lastChat ? JSON.stringify(s.lastChat) : '',
          ]
          let r: [number, string?]
          try {
            r = (await run.reassert([k.s(s.id), k.ns(me), k.exp], [s.id, me, ...record])) as [number, string?]
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
      const raw = await redis.cmd.lrange(`${P}tr:${chatId}`, 0, -1)
      return raw.length ? raw.map(l => JSON.parse(l) as { from: string; body: string; at: number }) : null
    },
    useQueue(remove) {
      queueRemoval = remove
    },
    async close() {
      closed = true
      clearInterval(expiryTimer)
      clearInterval(onlineTimer)
      await redis.sub.unsubscribe(myChannel, allChannel).catch(() => {})
    },
  }
  return backend
}

const PARTNER_RECONNECTING = encodeEphemeral({ type: 'partner', state: 'reconnecting' })
const PARTNER_BACK = encodeEphemeral({ type: 'partner', state: 'back' })
