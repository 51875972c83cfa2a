// Builds and starts the whole app from a Config: database, cache, hub, HTTP, background jobs.
// main.ts calls this for `bun run start`; integration tests call it in-process.
import type { Server } from 'bun'
import type { Config } from './config'
import { openDatabase } from '../db'
import { openCache } from './cache'
import { createHub, type WsData } from './chat/hub'
import { allowAll, type ChatGuard } from './chat/guard'
import { createPopularInterests } from './chat/popular'
import { createHttpApp } from './http'
import { createLogger, type Logger } from './log'
import { createMetrics } from './ops/metrics'
import { createSecrets, loadSecret } from './secrets'
import { serve } from './server'
import type { Services } from './services'

export interface StartOptions {
  log?: Logger
  now?: () => number
  staticRoot?: string
  guard?: (services: Omit<Services, 'guard' | 'hub'>) => ChatGuard
}

export interface RunningApp {
  server: Server<WsData>
  services: Services
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
  // During an outage every call fails: the metric counts each one, the log says so every 5 s.
  let lastCacheWarn = 0
  let quietCacheFailures = 0
  const cache = openCache(config, (op, err) => {
    metrics.inc('cache_errors_total', { op })
    const t = Date.now()
    if (t - lastCacheWarn < 5000) {
      quietCacheFailures++
      return
    }
    log.warn('cache call failed', { op, err, alsoFailedSinceLastWarning: quietCacheFailures })
    lastCacheWarn = t
    quietCacheFailures = 0
  })
  const popular = createPopularInterests(now)
  const base = { config, db, cache, log, metrics, secrets, popular, now }
  const guard = opts.guard?.(base) ?? allowAll
  const hub = createHub({ config, cache, guard, log, metrics, popular, now })
  const services: Services = { ...base, guard, hub }

  const app = createHttpApp(services, { staticRoot: opts.staticRoot })
  const server = serve(services, app)
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`
  log.info('listening', { url, database: db.describe, cache: cache.kind })

  let stopping: Promise<void> | null = null
  return {
    server,
    services,
    url,
    stop() {
      stopping ??= (async () => {
        await hub.shutdown()
        server.stop(true)
        await Promise.allSettled([db.close(), cache.close()])
      })()
      return stopping
    },
  }
}
