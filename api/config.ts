// The one place that reads environment variables. Everything else receives a typed Config.
// A bad value stops start-up with a message that names the variable, so an operator never
// runs with a silently ignored setting.
import { randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import { MAX_SDP_BYTES } from './chat/protocol'

export interface Config {
  host: string
  port: number
  /** Public origin of the app (scheme://host[:port]), used for links and the default allowed origin. */
  publicUrl: string
  dataDir: string
  /** Unset → SQLite file in dataDir; mysql://… → MySQL/MariaDB. */
  databaseUrl: string | null
  /** Unset → in-process cache; host:port[,host:port] → memcached. */
  memcachedServers: string | null
  cacheTimeoutMs: number
  /** Unset → single node (nothing shared); redis://… → one node of a cluster sharing this Redis. */
  redisUrl: string | null
  /**
   * Seeds (host:port) of a Redis Cluster the nodes share instead of one Redis; when set it
   * replaces REDIS_URL (null → REDIS_URL decides). docs/cluster.md says how the keys spread.
   */
  redisClusterNodes: string[] | null
  /** Prepended to every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string
  /** This process's name in the cluster; random per start unless set. */
  nodeId: string
  nodeHeartbeatMs: number
  /** A node whose heartbeat key is older than this is dead (its sessions are cleaned up). */
  nodeTtlMs: number
  /** Not used by the app: the nodes ops/nginx/render.ts balances over (empty → this HOST:PORT). */
  upstreams: string[]
  wsPath: string
  allowedOrigins: string[]
  trustedProxies: string[]
  /** Per-address rules key IPv6 clients on this many leading bits (64: one subscriber's /64). */
  ipv6Prefix: number

  matchFallbackMs: number
  repairCooldownMs: number
  resumeWindowMs: number
  resumeBufferFrames: number
  maxTextLength: number
  maxFrameBytes: number
  onlineBroadcastMs: number

  maxUploadBytes: number
  uploadTicketTtlSeconds: number
  mediaLinkTtlSeconds: number
  mediaRetentionSeconds: number
  mediaSweepCron: string
  maxVoiceSeconds: number
  /** Classify every uploaded image (api/media/screen.ts) before the partner sees it. */
  screenImages: boolean
  /** An image whose porn + hentai + sexy probability is at least this is flagged (0 flags every image). */
  screenThreshold: number
  /** Longest an upload waits for its verdict; past it the image is flagged unscreened (fail closed). */
  screenTimeoutMs: number
  /** Flagged images count against the uploader's IP hash for this long (fixed window from the first). */
  screenStrikeWindowSeconds: number
  /** At most this many frames of an animation are classified (the first, the last, spread between). */
  screenFrames: number
  /** Nice value of the classifier's process: it gets the CPU the chat leaves (0 = same priority). */
  screenNice: number
  /** HMAC secret for media links and IP hashes; null → generated once and kept in dataDir. */
  secret: string | null

  reportBanThreshold: number
  reportBanWindowSeconds: number
  banSeconds: number
  /** A video still stored with a report is deleted after this long if no moderator handled the report first. */
  reportStillRetentionSeconds: number
  rateTextPerSecond: number
  rateTextBurst: number
  rateFindsPerMinute: number
  rateTicketsPerMinute: number
  rateReportsPerHour: number
  maxConnectionsPerIp: number
  /** Per-IP-hash buckets (texts, finds, tickets, reports) allow this many times the per-session rate. */
  ratePerIpFactor: number
  /** How long checkFind may trust a cached ban lookup; 0 = ask the database every time. */
  banCacheSeconds: number
  abuseStrikesBeforeClose: number

  /** New sessions one address may open per minute (resumes do not count); cluster-wide through the cache. */
  rateSessionsPerMinute: number
  /** Sessions one address may hold on a node, connected plus resumable. */
  maxSessionsPerIp: number
  /** Sessions a node holds at most (connected plus resumable); past it new upgrades get 503. */
  maxSessions: number
  /** Proof of work before pairing: off, adaptive (new or risky addresses), always (every session's first find). */
  powMode: 'off' | 'adaptive' | 'always'
  /** Leading zero bits of SHA-256 a proof needs at no risk. */
  powBits: number
  /** The most a proof can need however risky the address. */
  powMaxBits: number
  /** How long a solved proof lets an address find without another (adaptive mode). */
  powPassSeconds: number
  /** Adaptive mode: how many sessions of an address one solved proof admits (the solver's included). */
  powPassSessions: number
  /** Spam: the same text to this many distinct strangers within the window is refused (0 = off). */
  spamRepeatStrangers: number
  spamRepeatWindowSeconds: number
  /** Spam: a link or contact handle from a new address within this many seconds of a chat's start is refused (0 = off). */
  spamLinkGraceSeconds: number
  /** Spam: every text of a chat's first this many seconds is screened (repeats; links within the grace above). */
  spamScreenSeconds: number
  /** Quarantine: this many distinct reporters (below the ban threshold) put an address in quarantine (0 = off). */
  quarantineReports: number
  /** Quarantine: this many strikes (spam refusals, image flags) within QUARANTINE_SECONDS do too (0 = off). */
  quarantineStrikes: number
  quarantineSeconds: number
  /** A blocked stranger's address and the blocker's are never paired again for this long. */
  blockSeconds: number
  /** Popular interests: the most one address adds per hour (distinct names). */
  popularPerAddressHour: number

  /** TURN servers (turn:/turns: URLs) the clients relay video through; empty = video is off. */
  turnUrls: string[]
  /** coturn's static-auth-secret (use-auth-secret): TURN credentials are HMACs of it; set whenever turnUrls is. */
  turnSecret: string | null
  /** How long a TURN credential from rtc.iceServers stays valid. */
  turnCredentialTtlSeconds: number
  /** Told to clients in hello: on = the client screens the stranger's video before showing it (blur until it passed). */
  videoScreening: 'on' | 'off'
  /** rtc frames (offer, answer, candidate, state) one session may send: this many a second, bursts of RATE_RTC_BURST. */
  rateRtcPerSecond: number
  rateRtcBurst: number

  /** Web Push on a match for a session whose socket is gone (docs/push.md); off = push.key answers null. */
  pushEnabled: boolean
  /** The VAPID key pair (base64url, raw P-256); null → generated once and kept in dataDir (and Redis on a cluster). */
  vapidPublicKey: string | null
  vapidPrivateKey: string | null
  /** The VAPID `sub` claim push services may contact: mailto: or https:. */
  vapidSubject: string
  /** Hosts (and their subdomains) a subscription's endpoint may name: the browsers' push services. */
  pushServiceHosts: string[]
  /** Tests and development only: also accept http://127.0.0.1 / http://[::1] endpoints (a local push service). */
  pushAllowLoopback: boolean
  /** How long a push request may take before it is given up (the chat never waits for it). */
  pushTimeoutMs: number
  /** At most one push per session in this many seconds. */
  pushMinIntervalSeconds: number

  shutdownTimeoutMs: number
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  metricsEnabled: boolean
  /** Full GC once this many sessions (and half the peak) have gone since the last one; 0 = off. */
  memoryReclaimDrop: number
  memoryReclaimIntervalMs: number
  /** Bench-only: GET /debug/heap (loopback, unproxied requests only), ?gc=1 forces a full collection. */
  debugHeapEndpoint: boolean

  /** The moderation console at /admin (api/admin/*). */
  adminEnabled: boolean
  /** CIDR blocks (or addresses) allowed to reach /admin at all; empty = any address. */
  adminAllowedAddresses: string[]
  /** A console session unused this long ends. */
  adminIdleMinutes: number
  /** A console session ends this long after sign-in, used or not. */
  adminSessionHours: number
  /** Failed sign-ins on one name before it is locked for ADMIN_LOCK_MINUTES (counted across nodes). */
  adminLockFailures: number
  adminLockMinutes: number
  /** Sign-in attempts one address may make per 15 minutes, whatever the name. */
  adminSignInsPerAddress: number
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`config: ${variable} ${problem}`)
  }
}

type Env = Record<string, string | undefined>

function raw(env: Env, name: string): string | undefined {
  const v = env[name]
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

function int(env: Env, name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = raw(env, name)
  if (v === undefined) return def
  if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `must be a whole number, got "${v}"`)
  const n = Number(v)
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`)
  return n
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = raw(env, name)
  if (v === undefined) return def
  if (/^(1|true|yes|on)$/i.test(v)) return true
  if (/^(0|false|no|off)$/i.test(v)) return false
  throw new ConfigError(name, `must be true or false, got "${v}"`)
}

function fraction(env: Env, name: string, def: number): number {
  const v = raw(env, name)
  if (v === undefined) return def
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(v)) throw new ConfigError(name, `must be a number from 0 to 1 like 0.7, got "${v}"`)
  return Number(v)
}

function list(env: Env, name: string): string[] {
  const v = raw(env, name)
  return v === undefined
    ? []
    : v
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
}

function origin(name: string, value: string): string {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new ConfigError(name, `must be an absolute URL like https://chat.example.com, got "${value}"`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(name, `must use http or https, got "${value}"`)
  return u.origin
}

const CRON_FIELD = /^[\d*/,\-A-Za-z?LW#]+$/

const POW_MODES = ['off', 'adaptive', 'always'] as const

/** turn: or turns: host[:port][?transport=udp|tcp] (RFC 7065); IPv6 hosts in brackets. */
const TURN_URL = /^turns?:(?:[\w.-]+|\[[\da-fA-F:]+\])(?::\d{1,5})?(?:\?transport=(?:udp|tcp))?$/

/** Video chat: TURN relays (video never goes peer to peer) and the signalling frames' limits. */
function videoSettings(env: Env) {
  const turnUrls = list(env, 'TURN_URLS')
  for (const u of turnUrls) {
    if (!TURN_URL.test(u)) throw new ConfigError('TURN_URLS', `expects turn: or turns: URLs like turn:turn.example.com:3478?transport=udp, got "${u}"`)
  }
  const turnSecret = raw(env, 'TURN_SECRET') ?? null
  if (turnSecret !== null && turnSecret.length < 16) throw new ConfigError('TURN_SECRET', "must be at least 16 characters (the same as coturn's static-auth-secret)")
  // Without the secret no credential coturn accepts can be made: refuse rather than run with video broken.
  if (turnUrls.length > 0 && turnSecret === null) throw new ConfigError('TURN_SECRET', "must be set when TURN_URLS is (the same value as coturn's static-auth-secret)")
  const screening = raw(env, 'VIDEO_SCREENING') ?? 'on'
  if (screening !== 'on' && screening !== 'off') throw new ConfigError('VIDEO_SCREENING', `must be on or off, got "${screening}"`)
  const videoScreening: Config['videoScreening'] = screening
  return {
    turnUrls,
    turnSecret,
    turnCredentialTtlSeconds: int(env, 'TURN_CREDENTIAL_TTL_SECONDS', 3600, 60, 86_400),
    videoScreening,
    rateRtcPerSecond: int(env, 'RATE_RTC_PER_SECOND', 10, 1),
    rateRtcBurst: int(env, 'RATE_RTC_BURST', 40, 1),
  }
}

/** Where browsers' push services live (Chrome/FCM, Firefox/Mozilla, Edge/WNS, Safari/Apple). */
const PUSH_SERVICE_HOSTS = ['fcm.googleapis.com', 'push.services.mozilla.com', 'notify.windows.com', 'push.apple.com']
const BASE64URL = /^[A-Za-z0-9_-]+$/

/** Web Push: VAPID keys (both or neither), the subject, which endpoints a subscription may name. */
function pushSettings(env: Env, publicUrl: string) {
  const vapidPublicKey = raw(env, 'VAPID_PUBLIC_KEY') ?? null
  const vapidPrivateKey = raw(env, 'VAPID_PRIVATE_KEY') ?? null
  if ((vapidPublicKey === null) !== (vapidPrivateKey === null))
    throw new ConfigError(vapidPublicKey ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY', 'must be set together with the other VAPID key (or neither, to generate a pair)')
  // Raw P-256: a public point is 65 bytes (87 base64url characters), a private scalar 32 (43).
  if (vapidPublicKey !== null && (!BASE64URL.test(vapidPublicKey) || vapidPublicKey.length !== 87))
    throw new ConfigError('VAPID_PUBLIC_KEY', 'must be the 87-character base64url public key (npx web-push generate-vapid-keys)')
  if (vapidPrivateKey !== null && (!BASE64URL.test(vapidPrivateKey) || vapidPrivateKey.length !== 43))
    throw new ConfigError('VAPID_PRIVATE_KEY', 'must be the 43-character base64url private key (npx web-push generate-vapid-keys)')
  // Push services want a contact: an https origin works; a local http one does not, so fall back to a mailto.
  const vapidSubject = raw(env, 'VAPID_SUBJECT') ?? (publicUrl.startsWith('https://') ? publicUrl : 'mailto:push@localhost')
  if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(vapidSubject)) throw new ConfigError('VAPID_SUBJECT', `must be a mailto: address or an https: URL, got "${vapidSubject}"`)
  const hosts = list(env, 'PUSH_SERVICE_HOSTS').map(h => h.toLowerCase())
  for (const h of hosts) if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(h)) throw new ConfigError('PUSH_SERVICE_HOSTS', `expects host names like fcm.googleapis.com, got "${h}"`)
  return {
    pushEnabled: bool(env, 'PUSH_ENABLED', true),
    vapidPublicKey,
    vapidPrivateKey,
    vapidSubject,
    pushServiceHosts: hosts.length ? hosts : PUSH_SERVICE_HOSTS,
    pushAllowLoopback: bool(env, 'PUSH_ALLOW_LOOPBACK', false),
    pushTimeoutMs: int(env, 'PUSH_TIMEOUT_MS', 5000, 100, 60_000),
    pushMinIntervalSeconds: int(env, 'PUSH_MIN_INTERVAL_SECONDS', 30, 0, 86_400),
  }
}

/** Abuse limits (session churn, proof of work, spam, quarantine, blocks, popular). */
function abuseLimits(env: Env) {
  const powMode = (raw(env, 'POW_MODE') ?? 'adaptive') as Config['powMode']
  if (!POW_MODES.includes(powMode)) throw new ConfigError('POW_MODE', `must be one of ${POW_MODES.join(', ')}, got "${powMode}"`)
  const powBits = int(env, 'POW_BITS', 16, 1, 32)
  const powMaxBits = int(env, 'POW_MAX_BITS', 20, 1, 32)
  if (powMaxBits < powBits) throw new ConfigError('POW_MAX_BITS', `must be at least POW_BITS (${powBits}), got ${powMaxBits}`)
  return {
    // 120 a minute: a school or a carrier NAT behind one address opens far fewer than that.
    rateSessionsPerMinute: int(env, 'RATE_SESSIONS_PER_MINUTE', 120, 1),
    maxSessionsPerIp: int(env, 'MAX_SESSIONS_PER_IP', 200, 1),
    maxSessions: int(env, 'MAX_SESSIONS', 50_000, 1),
    powMode,
    powBits,
    powMaxBits,
    powPassSeconds: int(env, 'POW_PASS_SECONDS', 3600, 1),
    powPassSessions: int(env, 'POW_PASS_SESSIONS', 5, 1),
    spamRepeatStrangers: int(env, 'SPAM_REPEAT_STRANGERS', 5, 0),
    spamRepeatWindowSeconds: int(env, 'SPAM_REPEAT_WINDOW_SECONDS', 600, 1),
    spamLinkGraceSeconds: int(env, 'SPAM_LINK_GRACE_SECONDS', 10, 0),
    spamScreenSeconds: int(env, 'SPAM_SCREEN_SECONDS', 60, 0),
    quarantineReports: int(env, 'QUARANTINE_REPORTS', 2, 0),
    quarantineStrikes: int(env, 'QUARANTINE_STRIKES', 3, 0),
    quarantineSeconds: int(env, 'QUARANTINE_SECONDS', 86_400, 1),
    blockSeconds: int(env, 'BLOCK_SECONDS', 7 * 86_400, 1),
    popularPerAddressHour: int(env, 'POPULAR_PER_ADDRESS_HOUR', 10, 1),
  }
}

export function loadConfig(env: Env = {}): Config {
  const host = raw(env, 'HOST') ?? '0.0.0.0'
  const port = int(env, 'PORT', 3000, 0, 65535)
  const publicHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host
  const publicUrl = origin('PUBLIC_URL', raw(env, 'PUBLIC_URL') ?? `http://${publicHost}:${port}`)

  const databaseUrl = raw(env, 'DATABASE_URL') ?? null
  if (databaseUrl && !/^mysql:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with mysql:// (leave it unset for the embedded SQLite database)')
  }

  let memcachedServers = raw(env, 'MEMCACHED_SERVERS') ?? null
  if (memcachedServers) {
    const list = memcachedServers.split(',').map(s => s.trim())
    for (const s of list) {
      if (!/^[\w.-]+:\d+$/.test(s)) throw new ConfigError('MEMCACHED_SERVERS', `expects host:port[,host:port], got "${s}"`)
    }
    // memjs splits on commas and takes the rest literally: " cache:11211" would be host " cache".
    memcachedServers = list.join(',')
  }

  const redisUrl = raw(env, 'REDIS_URL') ?? null
  if (redisUrl && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', `must look like redis://host:6379[/db] (or rediss:// for TLS), got "${redisUrl}"`)
  }
  const clusterRaw = raw(env, 'REDIS_CLUSTER_NODES')
  let redisClusterNodes: string[] | null = null
  if (clusterRaw) {
    redisClusterNodes = clusterRaw
      .split(',')
      .map(s => s.trim())
      .filter(Boolean)
    for (const s of redisClusterNodes) {
      if (!/^[\w.-]+:\d{1,5}$/.test(s)) throw new ConfigError('REDIS_CLUSTER_NODES', `expects host:port[,host:port] (seed nodes of a Redis Cluster), got "${s}"`)
    }
    if (!redisClusterNodes.length) redisClusterNodes = null
  }
  const redisPrefix = raw(env, 'REDIS_PREFIX') ?? 'leetchat:'
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) throw new ConfigError('REDIS_PREFIX', `must be 1–64 letters, digits or _ : . -, got "${redisPrefix}"`)
  const nodeId = raw(env, 'NODE_ID') ?? randomBytes(6).toString('hex')
  if (!/^[\w.-]{1,64}$/.test(nodeId)) throw new ConfigError('NODE_ID', `must be 1–64 letters, digits or _ . -, got "${nodeId}"`)
  const nodeHeartbeatMs = int(env, 'NODE_HEARTBEAT_MS', 1000, 50, 60_000)
  const nodeTtlMs = int(env, 'NODE_TTL_MS', 3000, 100, 600_000)
  // A TTL shorter than two beats declares a healthy node dead on one late heartbeat.
  if (nodeTtlMs < nodeHeartbeatMs * 2) throw new ConfigError('NODE_TTL_MS', `must be at least twice NODE_HEARTBEAT_MS (${nodeHeartbeatMs}), got ${nodeTtlMs}`)

  const upstreams = list(env, 'UPSTREAMS')
  for (const u of upstreams) {
    if (!/^(?:[\w.-]+|\[[\da-fA-F:]+\]):\d{1,5}$/.test(u)) throw new ConfigError('UPSTREAMS', `expects host:port[,host:port] (IPv6 as [::1]:3000), got "${u}"`)
  }

  const wsPath = raw(env, 'WS_PATH') ?? '/chat'
  if (!/^\/[\w\-/]*$/.test(wsPath)) throw new ConfigError('WS_PATH', `must be a path starting with /, got "${wsPath}"`)

  const allowedOrigins = list(env, 'ALLOWED_ORIGINS').map(o => origin('ALLOWED_ORIGINS', o))
  if (allowedOrigins.length === 0) allowedOrigins.push(publicUrl)

  const mediaLinkTtlSeconds = int(env, 'MEDIA_LINK_TTL_SECONDS', 1800, 1)
  const mediaSweepCron = raw(env, 'MEDIA_SWEEP_CRON') ?? '* * * * *'
  const fields = mediaSweepCron.split(/\s+/)
  if (fields.length < 5 || fields.length > 7 || !fields.every(f => CRON_FIELD.test(f))) {
    throw new ConfigError('MEDIA_SWEEP_CRON', `must be a cron pattern like "* * * * *", got "${mediaSweepCron}"`)
  }

  const secret = raw(env, 'SECRET') ?? null
  if (secret !== null && secret.length < 32) throw new ConfigError('SECRET', 'must be at least 32 characters (or unset to generate one)')

  const logLevel = (raw(env, 'LOG_LEVEL') ?? 'info') as Config['logLevel']
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of debug, info, warn, error, silent, got "${logLevel}"`)
  }

  const maxTextLength = int(env, 'MAX_TEXT_LENGTH', 2000, 1, 100_000)

  // An entry that is not an address (a CIDR, a host name) would silently trust nobody.
  const trustedProxies = list(env, 'TRUSTED_PROXIES')
  for (const p of trustedProxies) {
    if (p !== 'loopback' && isIP(p) === 0) throw new ConfigError('TRUSTED_PROXIES', `expects IP addresses or "loopback", got "${p}"`)
  }

  // address or address/bits; checked here so a typo never leaves the console open to everyone.
  const adminAllowedAddresses = list(env, 'ADMIN_ALLOWED_ADDRESSES')
  for (const a of adminAllowedAddresses) {
    const [addr = '', bits, ...rest] = a.split('/')
    const v = isIP(addr)
    const max = v === 6 ? 128 : 32
    if (v === 0 || rest.length || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) {
      throw new ConfigError('ADMIN_ALLOWED_ADDRESSES', `expects addresses or CIDR blocks (10.0.0.0/8, 2001:db8::/32), got "${a}"`)
    }
  }

  return {
    host,
    port,
    publicUrl,
    dataDir: raw(env, 'DATA_DIR') ?? './data',
    databaseUrl,
    memcachedServers,
    cacheTimeoutMs: int(env, 'CACHE_TIMEOUT_MS', 250, 10, 10_000),
    redisUrl,
    redisClusterNodes,
    redisPrefix,
    nodeId,
    nodeHeartbeatMs,
    nodeTtlMs,
    upstreams,
    wsPath,
    allowedOrigins,
    trustedProxies,
    ipv6Prefix: int(env, 'IPV6_PREFIX', 64, 16, 128),

    matchFallbackMs: int(env, 'MATCH_FALLBACK_MS', 8000, 0),
    repairCooldownMs: int(env, 'REPAIR_COOLDOWN_MS', 30_000, 0),
    resumeWindowMs: int(env, 'RESUME_WINDOW_MS', 60_000, 0),
    resumeBufferFrames: int(env, 'RESUME_BUFFER_FRAMES', 500, 10, 100_000),
    maxTextLength,
    // A text frame is the body plus a little JSON, an rtc offer its SDP (each CRLF escaped to four
    // bytes); anything much larger is refused before parsing.
    maxFrameBytes: int(env, 'MAX_FRAME_BYTES', Math.max(2 * MAX_SDP_BYTES + 1024, maxTextLength * 6 + 1024), 1024, 16 * 1024 * 1024),
    onlineBroadcastMs: int(env, 'ONLINE_BROADCAST_MS', 5000, 100),

    maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 1_048_576, 1),
    uploadTicketTtlSeconds: int(env, 'UPLOAD_TICKET_TTL_SECONDS', 300, 1),
    mediaLinkTtlSeconds,
    mediaRetentionSeconds: int(env, 'MEDIA_RETENTION_SECONDS', mediaLinkTtlSeconds, 1),
    mediaSweepCron,
    maxVoiceSeconds: int(env, 'MAX_VOICE_SECONDS', 120, 1),
    screenImages: bool(env, 'SCREEN_IMAGES', true),
    screenThreshold: fraction(env, 'SCREEN_THRESHOLD', 0.7),
    screenTimeoutMs: int(env, 'SCREEN_TIMEOUT_MS', 5000, 100, 120_000),
    screenStrikeWindowSeconds: int(env, 'SCREEN_STRIKE_WINDOW_SECONDS', 86_400, 60),
    screenFrames: int(env, 'SCREEN_FRAMES', 8, 1, 64),
    screenNice: int(env, 'SCREEN_NICE', 19, 0, 19),
    secret,

    reportBanThreshold: int(env, 'REPORT_BAN_THRESHOLD', 3, 1),
    reportBanWindowSeconds: int(env, 'REPORT_BAN_WINDOW_SECONDS', 3600, 1),
    banSeconds: int(env, 'BAN_SECONDS', 86_400, 1),
    reportStillRetentionSeconds: int(env, 'REPORT_STILL_RETENTION_SECONDS', 30 * 86_400, 60),
    rateTextPerSecond: int(env, 'RATE_TEXT_PER_SECOND', 5, 1),
    rateTextBurst: int(env, 'RATE_TEXT_BURST', 20, 1),
    rateFindsPerMinute: int(env, 'RATE_FINDS_PER_MINUTE', 30, 1),
    rateTicketsPerMinute: int(env, 'RATE_TICKETS_PER_MINUTE', 20, 1),
    rateReportsPerHour: int(env, 'RATE_REPORTS_PER_HOUR', 20, 1),
    maxConnectionsPerIp: int(env, 'MAX_CONNECTIONS_PER_IP', 20, 1),
    ratePerIpFactor: int(env, 'RATE_PER_IP_FACTOR', 4, 1, 1000),
    banCacheSeconds: int(env, 'BAN_CACHE_SECONDS', 30, 0, 3600),
    abuseStrikesBeforeClose: int(env, 'ABUSE_STRIKES_BEFORE_CLOSE', 20, 1),

    ...abuseLimits(env),
    ...videoSettings(env),
    ...pushSettings(env, publicUrl),

    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100),
    logLevel,
    metricsEnabled: bool(env, 'METRICS_ENABLED', true),
    memoryReclaimDrop: int(env, 'MEMORY_RECLAIM_DROP', 256, 0),
    memoryReclaimIntervalMs: int(env, 'MEMORY_RECLAIM_INTERVAL_MS', 5000, 1000),
    debugHeapEndpoint: bool(env, 'DEBUG_HEAP_ENDPOINT', false),
    adminEnabled: bool(env, 'ADMIN_ENABLED', true),
    adminAllowedAddresses,
    adminIdleMinutes: int(env, 'ADMIN_IDLE_MINUTES', 30, 1, 24 * 60),
    adminSessionHours: int(env, 'ADMIN_SESSION_HOURS', 12, 1, 24 * 30),
    adminLockFailures: int(env, 'ADMIN_LOCK_FAILURES', 5, 1, 1000),
    adminLockMinutes: int(env, 'ADMIN_LOCK_MINUTES', 15, 1, 24 * 60),
    adminSignInsPerAddress: int(env, 'ADMIN_SIGN_INS_PER_ADDRESS', 30, 1, 100_000),
  }
}
