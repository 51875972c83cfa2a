// Mounts the two media routes on the hono app. Every part is stateless over the shared services
// (cache, database, DATA_DIR), so several processes can serve the same media.
import type { Hono } from 'hono'
import type { HttpEnv } from '../http-env'
import type { Services } from '../services'
import { createMediaRecords } from './records'
import { createServeHandler } from './serve'
import { createMediaLinks } from './signing'
import { createMediaStorage } from './storage'
import { createTicketStore } from './tickets'
import { createUploadHandler } from './upload'

export function mountMediaRoutes(app: Hono<HttpEnv>, services: Services) {
  const { config, cache, db, secrets, now, metrics } = services
  metrics.describe('uploads_total', 'Upload attempts by result (ok or the error code)')
  metrics.describe('upload_bytes_total', 'Bytes of media stored')
  metrics.describe('media_requests_total', 'Signed media link requests by result')
  metrics.describe('media_swept_total', 'Media files and rows removed by the sweeper')
  const storage = createMediaStorage(config.dataDir)
  const records = createMediaRecords(db.db)
  const links = createMediaLinks(secrets, config.mediaLinkTtlSeconds, now)
  const tickets = createTicketStore({ cache, now, ttlSeconds: config.uploadTicketTtlSeconds })
  app.put('/upload/:ticket', createUploadHandler({ services, tickets, storage, records, links }))
  app.get('/media/:id', createServeHandler({ services, storage, records, links }))
}
