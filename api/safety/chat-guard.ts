// The real ChatGuard: origin and connection-count checks before an upgrade, token buckets per
// session and per IP hash on every frame, and the ban lookup before a find. Everything on the
// frame path is in memory and synchronous; only checkFind awaits (the ban cache, then the DB).
import type { ChatGuard, ConnectionInfo, FrameContext, Refusal } from '../chat/guard'
import type { ClientFrame } from '../chat/protocol'
import type { Config } from '../config'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import { dbErrorCode } from '../../db/errors'
import type { BanStore } from './bans'
import { checkOrigin, originSet } from './origin'
import { createRateLimiter, perHour, perMinute, perSecond, takeBoth, takeFrom, type Bucket, type TokenBuckets } from './rate-limiter'
import type { Cache } from '../cache/cache'
import type { Secrets } from '../secrets'
import { extraBits, type AddressRisk } from './address-risk'
import { issueChallenge, verifyProof } from './proof-of-work'
import type { SpamFilter } from './spam'

export type GuardConfig = Pick<
  Config,
  | 'allowedOrigins'
  | 'maxConnectionsPerIp'
  | 'rateTextPerSecond'
  | 'rateTextBurst'
  | 'rateFindsPerMinute'
  | 'rateTicketsPerMinute'
  | 'rateReportsPerHour'
  | 'rateRtcPerSecond'
  | 'rateRtcBurst'
  | 'ratePerIpFactor'
  | 'powMode'
  | 'powBits'
  | 'powMaxBits'
  | 'powPassSeconds'
  | 'powPassSessions'
>

/** The abuse rules: proof of work, quarantine, spam (absent in tests that build a bare guard). */
export interface AbuseDeps {
  cache: Cache
  secrets: Secrets
  risk: AddressRisk
  spam: SpamFilter
}

export interface SafetyGuard extends ChatGuard {
  /** Sizes of the in-memory maps (tests and metrics check they stay bounded). */
  stats(): { connections: number; buckets: number }
}

// typing/leave/ack are cheap and not in the contract's limits, but a socket must not be able to
// spin the server with them either: they share a generous bucket this many times the text rate.
const CONTROL_FACTOR = 4
/** How long (and for how many sessions) this node itself remembers an accepted proof. */
const PROVEN_HERE_MS = 60_000
const PROVEN_HERE_MAX = 10_000

/** The bucket handles a text's check keeps on its FrameContext. */
interface TextMemo {
  text: Bucket | undefined
  textIp: Bucket | undefined
}

/** `b` while it is still its limiter's bucket, else the current one for `key`. */
const held = (l: TokenBuckets, key: string, b: Bucket | undefined, now: number): Bucket => (b?.live ? b : l.handle(key, now))

export function createChatGuard(deps: { config: GuardConfig; bans: BanStore; log: Logger; metrics: Metrics; now: () => number; abuse?: AbuseDeps }): SafetyGuard {
  const { config, bans, log, metrics, now, abuse } = deps
  const allowed = originSet(config.allowedOrigins)
  const f = config.ratePerIpFactor
  const connections = new Map<string, number>()
  metrics.describe('connections_refused_total', 'WebSocket upgrades refused by the guard, by code')
  metrics.describe('ban_lookup_errors_total', 'Ban lookups that failed (the find was let through)')
  metrics.describe('proofs_total', 'Proof-of-work challenges issued and answers checked, by outcome')
  metrics.describe('spam_refused_total', 'Texts refused as spam')

  const limiters = {
    text: createRateLimiter(perSecond(config.rateTextPerSecond, config.rateTextBurst)),
    textIp: createRateLimiter(perSecond(config.rateTextPerSecond * f, config.rateTextBurst * f)),
    find: createRateLimiter(perMinute(config.rateFindsPerMinute)),
    findIp: createRateLimiter(perMinute(config.rateFindsPerMinute * f)),
    control: createRateLimiter(perSecond(config.rateTextPerSecond * CONTROL_FACTOR, config.rateTextBurst * CONTROL_FACTOR)),
    // Signalling of a video chat: a handful of relay candidates and one offer/answer per (re)start,
    // and a state frame per mic or camera toggle; a bucket of its own, so a flood of candidates
    // cannot starve typing and acks, nor they it.
    rtc: createRateLimiter(perSecond(config.rateRtcPerSecond, config.rateRtcBurst)),
    ticket: createRateLimiter(perMinute(config.rateTicketsPerMinute)),
    ticketIp: createRateLimiter(perMinute(config.rateTicketsPerMinute * f)),
    // Reports feed bans, which count distinct addresses: the budget is per IP hash, not multiplied.
    reportIp: createRateLimiter(perHour(config.rateReportsPerHour)),
  }

  /** Spends one token from each bucket only when both have one (see takeBoth). */
  function take(what: string, a: TokenBuckets, ka: string, b: TokenBuckets | null = null, kb = ''): Refusal | null {
    const t = now()
    const wait = b ? takeBoth(a, ka, b, kb, t) : a.take(ka, t)
    return wait === 0 ? null : rateLimited(what, wait)
  }

  function rateLimited(what: string, wait: number): Refusal {
    return { code: 'rate_limited', message: `too many ${what}; try again in ${Math.ceil(wait / 1000)} s`, retryAfterMs: wait, status: 429 }
  }

  /** A text, the frame of the relay's hot path: both buckets from handles kept on the context. */
  function takeText(ctx: FrameContext): Refusal | null {
    const t = now()
    const m = (ctx.memo ??= { text: undefined, textIp: undefined }) as TextMemo
    const a = (m.text = held(limiters.text, ctx.sessionId, m.text, t))
    const b = (m.textIp = held(limiters.textIp, ctx.ipHash, m.textIp, t))
    const wait = takeFrom(limiters.text, ctx.sessionId, a, limiters.textIp, ctx.ipHash, b, t)
    return wait === 0 ? null : rateLimited('messages', wait)
  }

  function refuseConnection(r: Refusal): Refusal {
    metrics.inc('connections_refused_total', { code: r.code })
    return r
  }

  /**
   * Whether this find needs a proof first. adaptive: an address without a recent proof as hard as
   * its risk asks (a new address always needs one); always: every session proves once. The bits
   * grow with the risk score, so a pass earned at low risk stops covering a risky address.
   */
  async function proofNeeded(ctx: FrameContext): Promise<Refusal | null> {
    if (!abuse || config.powMode === 'off') return null
    // Accepted here moments ago: the find that follows a proof must not be asked again, even
    // when the cache that should hold the pass is failing.
    const fresh = provenHere.get(ctx.sessionId)
    if (fresh !== undefined && fresh > now()) return null
    const [score, sPass, aPass] = await Promise.all([
      abuse.risk.score(ctx.ipHash),
      abuse.cache.get(`pow:ok:s:${ctx.sessionId}`),
      config.powMode === 'adaptive' ? abuse.cache.get(`pow:ok:a:${ctx.ipHash}`) : null,
    ])
    const bits = Math.min(config.powMaxBits, config.powBits + extraBits(score))
    if ((Number(sPass) || 0) >= bits) return null
    // The address's pass covers a bounded number of sessions (POW_PASS_SESSIONS, the solver's
    // own included): each other session it admits spends one, and keeps a pass of its own.
    if ((Number(aPass) || 0) >= bits && (await spendAddressPass(ctx, Number(aPass)))) return null
    metrics.inc('proofs_total', { outcome: 'issued' })
    return {
      code: 'proof_required',
      message: `solve the proof of work (${bits} bits) and send a proof frame; the search starts when it is accepted`,
      challenge: issueChallenge(abuse.secrets, ctx, bits, now()),
    }
  }

  /** One use of the address's pass for session `ctx` (false when the pass is used up). */
  async function spendAddressPass(ctx: FrameContext, bits: number): Promise<boolean> {
    const n = await abuse!.cache.incr(`pow:n:a:${ctx.ipHash}`, 1, config.powPassSeconds)
    // A cache failure lets the session through, as a missing pass would ask every one again.
    if (n !== null && n > config.powPassSessions) return false
    await abuse!.cache.set(`pow:ok:s:${ctx.sessionId}`, String(bits), config.powPassSeconds)
    return true
  }

  /** Sessions whose proof this node accepted lately → until when that counts (bounded). */
  const provenHere = new Map<string, number>()

  return {
    admitConnection(info: ConnectionInfo) {
      if (checkOrigin(info.origin, allowed) === 'forbidden') {
        return refuseConnection({ code: 'forbidden_origin', message: 'this page may not open a chat connection', status: 403 })
      }
      const n = connections.get(info.ipHash) ?? 0
      if (n >= config.maxConnectionsPerIp) {
        return refuseConnection({
          code: 'too_many_connections',
          message: `at most ${config.maxConnectionsPerIp} connections per address`,
          status: 429,
          retryAfterMs: 1000,
        })
      }
      connections.set(info.ipHash, n + 1)
      return null
    },

    releaseConnection(info: ConnectionInfo) {
      const n = (connections.get(info.ipHash) ?? 0) - 1
      if (n > 0) connections.set(info.ipHash, n)
      else connections.delete(info.ipHash)
    },

    checkFrame(ctx: FrameContext, frame: ClientFrame) {
      switch (frame.type) {
        case 'text':
          return takeText(ctx)
        case 'find':
        case 'next':
          return take('searches', limiters.find, ctx.sessionId, limiters.findIp, ctx.ipHash)
        case 'rtc':
          return take('rtc frames', limiters.rtc, ctx.sessionId)
        default:
          return take('frames', limiters.control, ctx.sessionId)
      }
    },

    async checkFind(ctx: FrameContext) {
      let until: number | null
      try {
        until = await bans.activeUntil(ctx.ipHash)
      } catch (err) {
        // Fail open: a database outage must not stop everyone from chatting. Cached bans still hold.
        metrics.inc('ban_lookup_errors_total')
        log.error('ban lookup failed', { code: dbErrorCode(err) })
        return null
      }
      if (until !== null) {
        const left = Math.max(1, until - now())
        return { code: 'banned', message: `you are banned from meeting strangers for ${formatDuration(left)}`, retryAfterMs: left }
      }
      return proofNeeded(ctx)
    },

    async poolFor(ctx) {
      return abuse && (await abuse.risk.quarantined(ctx.ipHash)) ? 'quarantine' : 'main'
    },

    async checkProof(ctx, token, nonce) {
      if (!abuse || config.powMode === 'off') return { code: 'bad_proof', message: 'proof: no proof of work is asked for here' }
      const r = await verifyProof(abuse.secrets, abuse.cache, ctx, token, nonce, now())
      metrics.inc('proofs_total', { outcome: r.ok ? 'accepted' : 'refused' })
      if (!r.ok) return { code: 'bad_proof', message: r.message }
      if (provenHere.size >= PROVEN_HERE_MAX) provenHere.clear()
      provenHere.set(ctx.sessionId, now() + PROVEN_HERE_MS)
      const ttl = config.powPassSeconds
      await Promise.all([
        abuse.cache.set(`pow:ok:s:${ctx.sessionId}`, String(r.bits), ttl),
        config.powMode === 'adaptive' ? abuse.cache.set(`pow:ok:a:${ctx.ipHash}`, String(r.bits), ttl) : null,
        // A fresh pass: the solver's session is its first use.
        config.powMode === 'adaptive' ? abuse.cache.set(`pow:n:a:${ctx.ipHash}`, '1', ttl) : null,
      ])
      return null
    },

    screenTextMs: abuse?.spam.screenMs ?? 0,

    screenText(ctx, body, at) {
      const v = abuse?.spam.check(ctx, body, at)
      if (!v) return null
      return v.then(why => {
        if (!why) return null
        metrics.inc('spam_refused_total')
        void abuse!.risk.strike(ctx.ipHash, 'spam')
        return { code: 'spam', message: `not sent: ${why} looks like spam` }
      })
    },

    noteRisk(ipHash, kind) {
      abuse?.risk.note(ipHash, kind)
    },

    checkAction(kind, ctx) {
      if (kind === 'ticket') {
        return take('uploads', limiters.ticket, ctx.sessionId, limiters.ticketIp, ctx.ipHash)
      }
      return take('reports', limiters.reportIp, ctx.ipHash)
    },

    stats() {
      let buckets = 0
      for (const l of Object.values(limiters)) buckets += l.size
      return { connections: connections.size, buckets }
    },
  }
}

export function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000)
  if (s < 120) return `${s} s`
  const m = Math.ceil(s / 60)
  if (m < 120) return `${m} min`
  return `${Math.ceil(m / 60)} h`
}
