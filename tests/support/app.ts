// Starts the real app in-process on a free port with this run's backend, plus overrides.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../api/config'
import { startApp, type RunningApp, type StartOptions } from '../../api/app'
import { createLogger } from '../../api/log'
import { backend } from './backend'
import { TestClient } from './ws-client'

/**
 * Rate and connection limits lifted far above what a test sends. Suites about the protocol, the
 * matchmaker and resume open many sockets from 127.0.0.1 and send bursts; the limits themselves
 * are tested with their defaults in rate-limits.test.ts and bad-input.test.ts.
 */
export const LIFTED_LIMITS: Record<string, string> = {
  MAX_CONNECTIONS_PER_IP: '100000',
  RATE_TEXT_PER_SECOND: '100000',
  RATE_TEXT_BURST: '100000',
  RATE_FINDS_PER_MINUTE: '100000',
  RATE_TICKETS_PER_MINUTE: '100000',
  RATE_SESSIONS_PER_MINUTE: '100000',
  MAX_SESSIONS_PER_IP: '100000',
  // Suites about the protocol send one text to many strangers and links early on purpose.
  SPAM_REPEAT_STRANGERS: '0',
  SPAM_LINK_GRACE_SECONDS: '0',
}

export interface TestApp extends RunningApp {
  wsUrl: string
  dataDir: string
  env: Record<string, string>
  /** A connected client that has received its hello. */
  client(opts?: { resume?: string; headers?: Record<string, string> }): Promise<TestClient>
  /** stop() and remove the temporary data folder */
  close(): Promise<void>
}

export async function startTestApp(overrides: Record<string, string> = {}, opts: StartOptions & { dataDir?: string } = {}): Promise<TestApp> {
  const b = backend()
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'leetchat-test-'))
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests act as many addresses through X-Forwarded-For from loopback.
    TRUSTED_PROXIES: 'loopback',
    ALLOWED_ORIGINS: 'http://127.0.0.1',
    // The classifier costs ~150 MB and ~0.5 s per app that receives an image; the screening
    // suites (tests/integration/screening.test.ts) turn it back on.
    SCREEN_IMAGES: 'off',
    // The test machine runs other work at the normal priority, which would starve a niced
    // classifier past its timeout; in production only the chat competes with it. The nice value
    // itself is tested in tests/unit/screen.test.ts, its effect by tests/bench/screen-latency.ts.
    SCREEN_NICE: '0',
    // Proof of work is off unless a suite is about it (abuse-limits.test.ts turns it on): the
    // other suites' raw clients find without solving anything.
    POW_MODE: 'off',
    ...(b.databaseUrl && { DATABASE_URL: b.databaseUrl }),
    ...(b.memcachedServers && { MEMCACHED_SERVERS: b.memcachedServers }),
    ...overrides,
  }
  const config = loadConfig(env)
  const app = await startApp(config, { log: createLogger(config.logLevel as 'silent'), ...opts })
  const wsUrl = app.url.replace(/^http/, 'ws') + config.wsPath
  return {
    ...app,
    wsUrl,
    dataDir,
    env,
    client: o => TestClient.connect(wsUrl + (o?.resume ? `?resume=${encodeURIComponent(o.resume)}` : ''), o?.headers),
    async close() {
      await app.stop()
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
