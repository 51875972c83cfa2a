// Mounts the two media routes on the hono app. Every part is stateless over the shared services
// (cache, database, DATA_DIR), so several processes can serve the same media.
import type { Hono } from 'hono'
import type { Config } from '../config'
import type { HttpEnv } from '../http-env'
import type { Metrics } from '../ops/metrics'
import type { OpenDatabase } from '../../db'
import { createMediaRecords } from './records'
import { createServeHandler, type ServeDeps } from './serve'
import { createMediaLinks } from './signing'
import { createMediaStorage } from './storage'
import { createUploadHandler, type UploadDeps } from './upload'

/** The parts made here from configuration; the handlers take the rest as given. */
type MadeHere = 'storage' | 'records' | 'links'

export type MediaRouteDeps = Omit<UploadDeps, MadeHere> &
  Omit<ServeDeps, MadeHere> & {
    config: Pick<Config, 'dataDir' | 'mediaLinkTtlSeconds'>
    db: Pick<OpenDatabase, 'db'>
    secrets: Parameters<typeof createMediaLinks>[0]
    metrics: Pick<Metrics, 'describe'>
  }

export function mountMediaRoutes(app: Hono<HttpEnv>, deps: MediaRouteDeps) {
  const { config, db, secrets, now, metrics } = deps
  metrics.describe('uploads_total', 'Upload attempts by result (ok or the error code)')
  metrics.describe('upload_bytes_total', 'Bytes of media stored')
  metrics.describe('media_requests_total', 'Signed media link requests by result')
  metrics.describe('media_swept_total', 'Media files and rows removed by the sweeper')
  const storage = createMediaStorage(config.dataDir)
  const records = createMediaRecords(db.db)
  const links = createMediaLinks(secrets, config.mediaLinkTtlSeconds, now)
  app.put('/upload/:ticket', createUploadHandler({ ...deps, storage, records, links }))
  app.get('/media/:id', createServeHandler({ ...deps, storage, records, links }))
}
