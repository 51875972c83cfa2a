// Builds and starts the whole app from a Config: database, cache, hub, HTTP, background jobs.
// main.ts calls this for `bun run start`; integration tests call it in-process.
import type { Server } from 'bun'
import type { Config } from './config'
import { openDatabase } from '../db'
import { openCache } from './cache'
import { createChatCore } from './chat-core'
import { createRedisMatchQueue } from './cluster/redis-match-queue'
import { createAddressConnections } from './cluster/address-connections'
import { withClusterConnectionCap } from './chat/guard'
import type { WsData } from './chat/socket-adapter'
import type { ChatGuard } from './chat/guard'
import { createPopularInterests } from './chat/popular'
import { createRedisPopular } from './cluster/redis-popular'
import { createAddressRisk, type StrikeSource } from './safety/address-risk'
import { createSessionLimits } from './safety/session-limits'
import { createSpamFilter } from './safety/spam'
import { createHttpApp } from './http'
import { createMediaSweeper, type Sweeper } from './media/sweeper'
import { createMediaRecords } from './media/records'
import { createMediaStorage } from './media/storage'
import { createImageScreen, screeningOff } from './media/screen'
import { createScreenStrikes } from './media/strikes'
import { createLogger, type Logger } from './log'
import { createMetrics } from './ops/metrics'
import { registerMetrics } from './ops/catalog'
import { createDrain } from './ops/drain'
import { startMemoryReclaimer } from './ops/reclaim'
import { createSecrets, loadSecret, loadSharedSecret } from './secrets'
import { createNodeHeartbeat } from './cluster/nodes'
import { createPartitionMarkers } from './cluster/partition-markers'
import { recoverCluster } from './cluster/recovery'
import { describeRedisTarget, openRedis } from './cluster/redis'
import { createBanStore } from './safety/bans'
import { createChatGuard } from './safety/chat-guard'
import { createModeration, JUST_ENDED_MS } from './safety/moderation'
import { createReportStore } from './safety/report-store'
import { createReportStills } from './safety/report-stills'
import { createAdminConsole } from './admin/console'
import { serve } from './server'
import { loadSharedVapidKeys, loadVapidKeys } from './push/vapid'
import { createMemoryPushStore } from './push/store'
import { createRedisPushStore } from './cluster/redis-push-store'
import { createPushSender } from './push/sender'
import { createPushWaker } from './push/waker'
import type { Cluster, Services } from './services'

export interface StartOptions {
  log?: Logger
  now?: () => number
  staticRoot?: string
  /** Replaces the safety guard (api/safety/chat-guard.ts), e.g. allowAll from chat/guard.ts. */
  guard?: (services: Omit<Services, 'guard' | 'hub' | 'moderation' | 'risk' | 'sessionLimits'>) => ChatGuard
  /** Extra per-address strike counts for quarantine (the image screening's flagCount). */
  strikeSources?: StrikeSource[]
}

export interface RunningApp {
  server: Server<WsData>
  services: Services
  /** The media sweeper, already scheduled on MEDIA_SWEEP_CRON (tests and `bun run sweep` call sweepOnce). */
  sweeper: Sweeper
  /** http://host:port of the listening server */
  url: string
  /** Graceful stop: clients told, state persisted, connections closed, backends closed. */
  stop(): Promise<void>
}

export async function startApp(config: Config, opts: StartOptions = {}): Promise<RunningApp> {
  const log = opts.log ?? createLogger(config.logLevel)
  const now = opts.now ?? Date.now
  const metrics = createMetrics()
  // Cluster mode: Redis first, because the secret (and the cache) may come from it.
  const onRedis = Boolean(config.redisUrl || config.redisClusterNodes)
  const target = { url: config.redisUrl, clusterNodes: config.redisClusterNodes }
  const redis = onRedis ? await openRedis({ ...target, prefix: config.redisPrefix, onError: quietly(log, 'redis connection error') }) : null
  const secret = redis
    ? await loadSharedSecret(config.secret, config.dataDir, redis, () => log.warn('DATA_DIR/secret differed from the cluster secret in Redis; replaced it'))
    : loadSecret(config.secret, config.dataDir)
  const secrets = createSecrets(secret, { ipv6Prefix: config.ipv6Prefix })
  // Web Push: one VAPID pair for the whole cluster (kept like the secret), subscriptions where every node reads them.
  const vapid = !config.pushEnabled
    ? null
    : redis
      ? await loadSharedVapidKeys(config.vapidPublicKey, config.vapidPrivateKey, config.dataDir, redis)
      : loadVapidKeys(config.vapidPublicKey, config.vapidPrivateKey, config.dataDir)
  const push = vapid ? { publicKey: vapid.publicKey, store: redis ? createRedisPushStore(redis) : createMemoryPushStore(now) } : null
  const db = await openDatabase(config).catch(async err => {
    await redis?.close()
    throw err
  })
  // During an outage every call fails: the metric counts each one, the log says so every 5 s.
  let lastCacheWarn = 0
  let quietCacheFailures = 0
  const cache = openCache(
    config,
    (op, err) => {
      metrics.inc('cache_errors_total', { op })
      const t = Date.now()
      if (t - lastCacheWarn < 5000) {
        quietCacheFailures++
        return
      }
      log.warn('cache call failed', { op, err, alsoFailedSinceLastWarning: quietCacheFailures })
      lastCacheWarn = t
      quietCacheFailures = 0
    },
    redis,
  )
  const popular = redis
    ? createRedisPopular(redis, { prefix: config.redisPrefix, perAddressHour: config.popularPerAddressHour, now, onError: quietly(log, 'popular interests call failed') })
    : createPopularInterests({ perAddressHour: config.popularPerAddressHour, now })
  // Read at every quarantine decision, so a source made later can still be pushed in (the image
  // screening's flag counts are, below, once its strikes exist).
  const strikeSources: StrikeSource[] = [...(opts.strikeSources ?? [])]
  const risk = createAddressRisk({ config, cache, metrics, strikeSources })
  const spam = createSpamFilter({ config, cache })
  const drain = createDrain()
  let reclaim = () => {}
  let recover: (cause: 'data_lost' | 'taken_for_dead') => void = () => {}
  const cluster: Cluster | null = redis
    ? {
        redis,
        nodes: createNodeHeartbeat(redis, {
          nodeId: config.nodeId,
          heartbeatMs: config.nodeHeartbeatMs,
          ttlMs: config.nodeTtlMs,
          connected: () => hub.online,
          onError: quietly(log, 'node heartbeat failed'),
          onLapsed: () => {
            log.warn('this node missed its heartbeat TTL; peers may have treated it as dead', { nodeId: config.nodeId })
            // Its sessions may have been held as a dead node's: take back the connected ones.
            reclaim()
          },
          onDataLost: () => recover('data_lost'),
          onTakenForDead: () => recover('taken_for_dead'),
        }),
      }
    : null
  // The classifier's worker starts on the first image, not here (model load time and RAM).
  const screening = {
    screen: config.screenImages
      ? createImageScreen({ threshold: config.screenThreshold, timeoutMs: config.screenTimeoutMs, maxFrames: config.screenFrames, nice: config.screenNice, log, metrics })
      : screeningOff,
    strikes: createScreenStrikes(cache, config.screenStrikeWindowSeconds),
  }
  // Flagged images count as strikes towards quarantine (QUARANTINE_STRIKES), with our own.
  strikeSources.push(ipHash => screening.strikes.flagCount(ipHash))
  const base = { config, cluster, db, cache, log, metrics, secrets, popular, now, drain, screening, push }
  const bans = createBanStore({ db: db.db, cache, now, cacheSeconds: config.banCacheSeconds })
  const nodeGuard = opts.guard?.(base) ?? createChatGuard({ config, bans, log, metrics, now, abuse: { cache, secrets, risk, spam } })
  // Several nodes: the per-address connection cap is counted across all of them too.
  const addressConnections = cluster
    ? createAddressConnections(cluster.redis, cluster.nodes, { max: config.maxConnectionsPerIp, onError: quietly(log, 'cluster connection count failed') })
    : null
  const guard = addressConnections ? withClusterConnectionCap(nodeGuard, addressConnections, config.maxConnectionsPerIp) : nodeGuard
  const { hub, backend, redisBackend } = createChatCore({
    config,
    cache,
    guard,
    log,
    metrics,
    popular,
    now,
    cluster,
    transcriptKeepMs: JUST_ENDED_MS,
    ...(push &&
      vapid && {
        waker: chatBackend =>
          createPushWaker({
            store: push.store,
            send: createPushSender({ vapid, subject: config.vapidSubject, timeoutMs: config.pushTimeoutMs }),
            connected: id => chatBackend.connected(id),
            ttlSeconds: Math.max(1, Math.ceil(config.resumeWindowMs / 1000)),
            minIntervalMs: config.pushMinIntervalSeconds * 1000,
            log,
            metrics,
          }),
      }),
    clusterQueue: cluster
      ? events =>
          createRedisMatchQueue(cluster.redis, {
            prefix: config.redisPrefix,
            fallbackMs: config.matchFallbackMs,
            events,
            now,
            owner: config.nodeId,
            onError: quietly(log, 'match queue call failed'),
          })
      : undefined,
  })
  reclaim = () => void backend.reclaim().catch(err => log.warn('reclaiming sessions failed', { err: (err as Error)?.message }))
  if (cluster && redisBackend) {
    const rb = redisBackend
    recover = cause => {
      metrics.inc('cluster_recoveries_total', { cause })
      log.warn(cause === 'data_lost' ? 'Redis lost the cluster state; putting this node back' : 'peers took this node for dead; putting its sessions back', {
        nodeId: config.nodeId,
      })
      void recoverCluster(cause, {
        redis: cluster.redis,
        secret: config.secret ? null : secret,
        vapid: vapid && !config.vapidPublicKey ? vapid : null,
        backend: rb,
        connections: addressConnections,
        popular,
        sessions: () => backend.all(),
      }).catch(quietly(log, 'cluster recovery failed'))
    }
  }
  // One node: the last lines of each chat in memory. Several: in Redis, written by the relay
  // script, so a report taken by any node can include the conversation.
  const transcripts = { lines: (chatId: string) => backend.transcript(chatId) }
  const reports = createReportStore(db.db)
  const mediaRecords = createMediaRecords(db.db)
  const stills = createReportStills({ db: db.db, storage: createMediaStorage(config.dataDir), retentionMs: config.reportStillRetentionSeconds * 1000, log })
  const moderation = createModeration({
    config,
    hub,
    bans,
    reports,
    transcripts,
    secrets,
    log,
    metrics,
    now,
    flaggedImages: mediaRecords.flaggedImages,
    stills,
    async onReported(ipHash, distinctReporters) {
      risk.note(ipHash, 'reported')
      // Below the ban threshold (evaluate bans at it): paired only with other quarantined addresses.
      if (config.quarantineReports > 0 && distinctReporters >= config.quarantineReports) await risk.quarantine(ipHash, 'reports')
    },
  })
  const sessionLimits = createSessionLimits({ config, cache, metrics, held: () => hub.held, heldBy: hub.heldBy, risk, onAdmitted: spam.seen, now })
  const services: Services = { ...base, guard, hub, moderation, risk, sessionLimits }
  registerMetrics(metrics, hub, drain, { turnConfigured: config.turnUrls.length > 0 })
  const MB = (b: number) => Math.round(b / 1048576)
  const reclaimer = startMemoryReclaimer({
    policy: { minDrop: config.memoryReclaimDrop, minIntervalMs: config.memoryReclaimIntervalMs },
    held: () => hub.held,
    // Every second: the count is cheap to read, and a wave is collected soon after it has gone.
    checkEveryMs: 1000,
    onReclaim: r => {
      metrics.inc('memory_reclaims_total')
      log.info('memory reclaimed', { sessions: r.held, ms: Math.round(r.ms), heapMbBefore: MB(r.heapBefore), heapMbAfter: MB(r.heapAfter), rssMbBefore: MB(r.rssBefore) })
    },
    now,
  })
  await cluster?.nodes.start()
  // A Redis Cluster: one shard that restarted empty is noticed by its partitions' markers (the
  // registry's marker watches only its own shard), and recovered from like a whole Redis that did.
  const markers = cluster?.redis.cluster
    ? createPartitionMarkers(cluster.redis, { everyMs: config.nodeHeartbeatMs, onLost: () => recover('data_lost'), onError: quietly(log, 'partition marker check failed') })
    : null
  markers?.start()
  // Listen for clients only once this node hears its channel (see RedisBackend.listening).
  if (redisBackend && !(await redisBackend.listening(5000))) log.warn('Redis has not confirmed the node channel subscription; serving anyway')

  // The moderation console (/admin): its own accounts, sessions and audit log, acting through moderation.
  const admin = config.adminEnabled
    ? createAdminConsole({
        config,
        db: db.db,
        cache,
        secrets,
        metrics,
        bans,
        moderation,
        risk,
        stills,
        stats: () => hub.stats(),
        draining: () => drain.draining || hub.closing,
        liveNodes: cluster ? () => cluster.nodes.liveNodes() : null,
        now,
      })
    : null
  admin?.live.start()

  const app = createHttpApp(services, { staticRoot: opts.staticRoot, admin })
  const server = serve(services, app)
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`
  log.info('listening', { url, database: db.describe, cache: cache.kind, ...(onRedis ? { redis: describeRedisTarget(target), nodeId: config.nodeId } : {}) })
  const sweeper = createMediaSweeper(services)
  sweeper.start(config.mediaSweepCron)

  let stopping: Promise<void> | null = null
  return {
    server,
    services,
    sweeper,
    url,
    stop() {
      reclaimer.stop()
      markers?.stop()
      admin?.live.stop()
      stopping ??= shutdown(services, server, sweeper).finally(() => {
        return screening.screen.close()
      })
      return stopping
    },
  }
}

/** A warning at most every 5 s while a backend keeps failing (an outage fails every call). */
function quietly(log: Logger, msg: string): (err: unknown) => void {
  let last = 0
  let quiet = 0
  return err => {
    const t = Date.now()
    if (t - last < 5000) return void quiet++
    log.warn(msg, { err, alsoFailedSinceLastWarning: quiet })
    last = t
    quiet = 0
  }
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, Math.max(0, ms)))

/**
 * Graceful stop, within config.shutdownTimeoutMs:
 * 1. refuse new uploads and WebSocket upgrades (503), /readyz turns 503, stop listening;
 * 2. let in-flight uploads finish (most of the budget), so their `media` frames are not lost;
 * 3. hub: save sessions with unacked frames to the cache, send `shutdown`, close sockets (1012);
 * 4. cut whatever is left, let a media sweep in progress finish, close the database and the cache.
 */
async function shutdown(services: Services, server: Server<WsData>, sweeper: Sweeper): Promise<void> {
  const { config, drain, hub, log, metrics, db, cache } = services
  const deadline = performance.now() + config.shutdownTimeoutMs
  const left = () => deadline - performance.now()
  // Kept back from the upload wait for steps 3–4: cache writes, goodbyes, closing backends.
  const reserve = Math.min(config.shutdownTimeoutMs / 2, Math.max(1500, config.cacheTimeoutMs * 2 + 1000))

  metrics.inc('shutdowns_total')
  log.info('draining', { uploadsInFlight: drain.inFlight, connections: hub.online })
  drain.begin()
  const listenerClosed = server.stop(false)
  // No new sweeps; one in progress finishes while uploads drain (it needs the database).
  const sweeperStopped = sweeper.stop()

  const t0 = performance.now()
  const mark = () => Math.round(performance.now() - t0)
  if (!(await drain.idle(left() - reserve))) log.warn('uploads still running at shutdown; cutting them off', { uploadsInFlight: drain.inFlight })
  const uploadsMs = mark()

  await hub.shutdown({ retryAfterMs: 1000, closeWaitMs: Math.min(1000, left() / 3) })
  const hubMs = mark()
  await Promise.race([listenerClosed, sleep(Math.min(250, left() / 4))])
  void server.stop(true)
  await Promise.race([sweeperStopped, sleep(left() / 2)])
  // A node that stopped gracefully leaves the cluster at once (a killed one is found dead by its TTL).
  await Promise.race([services.cluster?.nodes.stop({ leave: true }), sleep(Math.min(500, left() / 4))])
  const closed = await Promise.race([
    Promise.allSettled([db.close(), cache.close()])
      .then(() => services.cluster?.redis.close())
      .then(() => true),
    sleep(left() - 100).then(() => false),
  ])
  if (!closed) log.warn('database or cache did not close in time')
  log.info('drained', { uploadsMs, hubMs, totalMs: mark() })
}
