// Builds and starts the whole app from a Config: database, cache, hub, HTTP, background jobs.
// main.ts calls this for `bun run start`; integration tests call it in-process.
import type { Server } from 'bun'
import type { Config } from './config'
import { openDatabase } from '../db'
import { openCache } from './cache'
import { createHub, type WsData } from './chat/hub'
import type { ChatGuard } from './chat/guard'
import { createPopularInterests } from './chat/popular'
import { createHttpApp } from './http'
import { createMediaSweeper, type Sweeper } from './media/sweeper'
import { createLogger, type Logger } from './log'
import { createMetrics } from './ops/metrics'
import { createSecrets, loadSecret } from './secrets'
import { createBanStore } from './safety/bans'
import { createChatGuard } from './safety/chat-guard'
import { createModeration, JUST_ENDED_MS } from './safety/moderation'
import { createReportStore } from './safety/report-store'
import { createTranscripts } from './safety/transcripts'
import { serve } from './server'
import type { Services } from './services'

export interface StartOptions {
  log?: Logger
  now?: () => number
  staticRoot?: string
  /** Replaces the safety guard (api/safety/chat-guard.ts), e.g. allowAll from chat/guard.ts. */
  guard?: (services: Omit<Services, 'guard' | 'hub' | 'moderation'>) => ChatGuard
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
  const secrets = createSecrets(loadSecret(config.secret, config.dataDir))
  const db = await openDatabase(config)
  const cache = openCache(config, (op, err) => {
    metrics.inc('cache_errors_total', { op })
    log.warn('cache call failed', { op, err })
  })
  const popular = createPopularInterests(now)
  const base = { config, db, cache, log, metrics, secrets, popular, now }
  const bans = createBanStore({ db: db.db, cache, now, cacheSeconds: config.banCacheSeconds })
  const guard = opts.guard?.(base) ?? createChatGuard({ config, bans, log, metrics, now })
  const hub = createHub({ config, cache, guard, log, metrics, popular, now })
  const transcripts = createTranscripts({ keepAfterEndMs: JUST_ENDED_MS }, now)
  hub.observe(transcripts.observer)
  const reports = createReportStore(db.db)
  const moderation = createModeration({ config, hub, bans, reports, transcripts, secrets, log, metrics, now })
  const services: Services = { ...base, guard, hub, moderation }

  const app = createHttpApp(services, { staticRoot: opts.staticRoot })
  const server = serve(services, app)
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`
  log.info('listening', { url, database: db.describe, cache: cache.kind })
  const sweeper = createMediaSweeper(services)
  sweeper.start(config.mediaSweepCron)

  let stopping: Promise<void> | null = null
  return {
    server,
    services,
    sweeper,
    url,
    stop() {
      stopping ??= (async () => {
        await sweeper.stop()
        await hub.shutdown()
        server.stop(true)
        transcripts.close()
        await Promise.allSettled([db.close(), cache.close()])
      })()
      return stopping
    },
  }
}
