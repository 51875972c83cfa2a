// Serves a copy of the built PWA with the real app on its own port, for the update test (which
// changes sw.js and must not disturb the suite's shared server).
//   bun tests/e2e/support/serve-dist.ts <static root> <port>
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../../api/config'
import { startApp } from '../../../api/app'
import { createLogger } from '../../../api/log'

const [root, port] = process.argv.slice(2)
if (!root || !port) throw new Error('usage: serve-dist.ts <static root> <port>')
const origin = `http://127.0.0.1:${port}`
const config = loadConfig({
  HOST: '127.0.0.1',
  PORT: port,
  PUBLIC_URL: origin,
  ALLOWED_ORIGINS: origin,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'leetchat-e2e-update-')),
  LOG_LEVEL: 'silent',
})
const app = await startApp(config, { log: createLogger('silent'), staticRoot: root })
console.log(`listening ${app.url}`)
const stop = async () => {
  await app.stop()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
