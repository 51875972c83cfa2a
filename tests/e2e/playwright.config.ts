// Browser tests: the real app (bun api/main.ts serving pwa/dist) driven by Debian's chromium.
// The port is a free one found here and kept in the environment, so the runner and its workers
// (which load this file again) agree on it.
import { defineConfig } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

process.env.LEETCHAT_E2E_PORT ||= String(await freePort())
// The suite's own coturn (video.spec.ts): media between the test browsers is relayed through it.
process.env.LEETCHAT_E2E_TURN_PORT ||= String(await freePort())
process.env.LEETCHAT_E2E_TURN_SECRET ||= randomBytes(24).toString('hex')
const turnPort = Number(process.env.LEETCHAT_E2E_TURN_PORT)
const turnRelayBase = 40_000 + (turnPort % 20) * 1000
process.env.LEETCHAT_E2E_DATA ||= mkdtempSync(join(tmpdir(), 'leetchat-e2e-'))
const port = Number(process.env.LEETCHAT_E2E_PORT)
const origin = `http://127.0.0.1:${port}`

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results',
  // Generous: the machine's two cores are shared with other work, and each test drives two browsers.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 2,
  // The video specs are a project of their own with one worker: each drives two or more browsers
  // through the suite's one coturn with the on-device screen's model on top, and two of them at once
  // on two cores made ICE miss its 10 s. The other worker goes on with the rest meanwhile.
  projects: [
    { name: 'app', testIgnore: 'video*.spec.ts' },
    { name: 'video', testMatch: 'video*.spec.ts', workers: 1 },
  ],
  // CI retries a failed test once; tests/run.ts names every test that needed it (flaky), so it is seen.
  retries: process.env.CI ? 1 : 0,
  reporter: 'list',
  use: {
    baseURL: origin,
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
    trace: 'retain-on-failure',
    // The specs find elements by their English names; i18n.spec.ts sets other locales itself.
    locale: 'en-US',
  },
  webServer: [
    {
      // Loopback only, the app's shared secret, relay ports of its own; loopback peers allowed
      // because both browsers and their relays are on 127.0.0.1 here (never in production).
      command: [
        '/usr/bin/turnserver -n --no-cli --no-tls --no-dtls --fingerprint --no-software-attribute',
        `--listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=${turnPort}`,
        `--min-port=${turnRelayBase} --max-port=${turnRelayBase + 999}`,
        `--use-auth-secret --static-auth-secret=${process.env.LEETCHAT_E2E_TURN_SECRET} --realm=leetchat.test`,
        '--allow-loopback-peers --cli-password=unused --log-file=stdout --simple-log',
      ].join(' '),
      port: turnPort,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node_modules/.bin/bun api/main.ts',
      cwd: '../..',
      url: `${origin}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: origin,
        ALLOWED_ORIGINS: origin,
        DATA_DIR: process.env.LEETCHAT_E2E_DATA,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        // Quick fallback so the "matched at random" state is reached within a test.
        MATCH_FALLBACK_MS: '1500',
        // Every browser in these tests comes from 127.0.0.1: lift the per-address limits.
        MAX_CONNECTIONS_PER_IP: '500',
        RATE_FINDS_PER_MINUTE: '1000',
        RATE_TICKETS_PER_MINUTE: '1000',
        RATE_REPORTS_PER_HOUR: '1000',
        REPORT_BAN_THRESHOLD: '1000',
        RATE_SESSIONS_PER_MINUTE: '100000',
        MAX_SESSIONS_PER_IP: '100000',
        // Reports and texts between test browsers (all one address) must not quarantine or look like spam.
        QUARANTINE_REPORTS: '0',
        QUARANTINE_STRIKES: '0',
        SPAM_REPEAT_STRANGERS: '0',
        SPAM_LINK_GRACE_SECONDS: '0',
        // Proof of work stays on (adaptive, the default): the PWA's worker solves it in the chat
        // specs (once per address, 127.0.0.1). The difficulty is pinned at 16 bits so quick skips in
        // the specs never make it harder. pow.spec.ts sends X-Forwarded-For to be a new address.
        POW_BITS: '16',
        POW_MAX_BITS: '16',
        TRUSTED_PROXIES: 'loopback',
        TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=udp`,
        TURN_SECRET: process.env.LEETCHAT_E2E_TURN_SECRET,
      },
    },
  ],
})
