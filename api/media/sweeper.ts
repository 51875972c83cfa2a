// Deletes media whose retention has passed: the file first, then its row, in batches. A file
// already gone (deleted by hand, or by another process sharing DATA_DIR) is not an error. The
// croner job is `protect`ed so a slow sweep is never overlapped by the next one.
import { Cron } from 'croner'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { Services } from '../services'
import { createMediaRecords, type MediaRecords } from './records'
import { createMediaStorage, type MediaStorage } from './storage'
import { createReportStills, type ReportStills } from '../safety/report-stills'

const BATCH = 500
/** Temp files of uploads a crash interrupted; no live upload takes this long. */
const STALE_TEMP_MS = 60 * 60 * 1000

export interface SweepResult {
  removed: number
  missingFiles: number
  staleTemp: number
  /** Report stills deleted: past REPORT_STILL_RETENTION_SECONDS, or of a handled report. */
  stills: number
}

export interface Sweeper {
  /** One full sweep now. */
  sweepOnce(): Promise<SweepResult>
  /** Schedules sweeps on the cron pattern. */
  start(pattern: string): void
  /** Unschedules and waits for a sweep in progress, so the database can be closed after. */
  stop(): Promise<void>
}

/** The sweeper over the app's database and DATA_DIR, on the app's clock. */
export function createMediaSweeper(services: Pick<Services, 'config' | 'db' | 'log' | 'metrics' | 'now'>): Sweeper {
  const { config, db, log, metrics, now } = services
  const storage = createMediaStorage(config.dataDir)
  const stills = createReportStills({ db: db.db, storage, retentionMs: config.reportStillRetentionSeconds * 1000, log })
  return createSweeper({ records: createMediaRecords(db.db), storage, stills, log, metrics, now })
}

export function createSweeper(deps: {
  records: MediaRecords
  storage: MediaStorage
  /** Report stills share the folder, not the `media` rows: swept on their own retention. */
  stills?: Pick<ReportStills, 'sweep'>
  log: Logger
  metrics: Metrics
  now: () => number
}): Sweeper {
  const { records, storage, log, metrics, now } = deps
  let job: Cron | null = null
  const running = new Set<Promise<SweepResult>>()

  async function sweepOnce(): Promise<SweepResult> {
    const p = sweep()
    running.add(p)
    try {
      return await p
    } finally {
      running.delete(p)
    }
  }

  async function sweep(): Promise<SweepResult> {
    const result: SweepResult = { removed: 0, missingFiles: 0, staleTemp: 0, stills: 0 }
    const t = now()
    for (;;) {
      const batch = await records.expired(t, BATCH)
      if (batch.length === 0) break
      const done: string[] = []
      for (const row of batch) {
        try {
          if (!(await storage.remove(row.storageKey))) result.missingFiles++
          done.push(row.id)
        } catch (err) {
          // Keep the row so the next sweep retries: a row without its file is worse than a late delete.
          log.warn('media sweep could not delete a file', { id: row.id, err })
        }
      }
      await records.remove(done)
      result.removed += done.length
      if (batch.length < BATCH || done.length === 0) break
    }
    // mtimes are wall-clock, so stale temp files are judged on the wall clock too.
    result.staleTemp = await storage.pruneTemp(STALE_TEMP_MS, Date.now())
    if (deps.stills) result.stills = await deps.stills.sweep(t)
    metrics.inc('media_sweeps_total')
    metrics.inc('media_swept_total', undefined, result.removed)
    if (result.removed || result.staleTemp || result.stills) log.info('media sweep', { ...result })
    else log.debug('media sweep', { ...result })
    return result
  }

  return {
    sweepOnce,
    start(pattern) {
      job?.stop()
      job = new Cron(pattern, { protect: true, catch: err => log.error('media sweep failed', { err }) }, async () => {
        await sweepOnce()
      })
    },
    async stop() {
      job?.stop()
      job = null
      await Promise.allSettled(running)
    },
  }
}
