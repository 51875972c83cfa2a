// `bun run sweep`: one media sweep now, for operators (after lowering MEDIA_RETENTION_SECONDS, or
// when the server is stopped). Reads the same environment as `bun run start`.
import { ConfigError, loadConfig } from '../config'
import { openDatabase } from '../../db'
import { createLogger } from '../log'
import { createMetrics } from '../ops/metrics'
import { createMediaSweeper } from './sweeper'

process.env.NODE_ENV ??= 'production'

try {
  const config = loadConfig(process.env)
  const log = createLogger(config.logLevel)
  const db = await openDatabase(config)
  try {
    const result = await createMediaSweeper({ config, db, log, metrics: createMetrics(), now: Date.now }).sweepOnce()
    // Always one line on stdout, also when nothing was due (the sweeper logs that at debug only).
    log.info('media sweep finished', { ...result, database: db.describe })
  } finally {
    await db.close()
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `sweep failed: ${(err as Error).message}`)
  process.exit(1)
}
