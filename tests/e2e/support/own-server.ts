// A spec's own app server, for settings the suite's server does not have (the spam filter on,
// image screening on or off, a tight rate limit): `bun api/main.ts` on a free loopback port with a
// fresh DATA_DIR and only the environment given here (plus PATH and HOME), so nothing of the
// suite's server leaks in. `stop()` ends it and removes its data.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../helpers'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface OwnServer {
  origin: string
  stop(): Promise<void>
}

/** Starts the server with `env` on top of the basics and waits until /healthz answers; `name` names it in errors and its data folder. */
export async function startOwnServer(name: string, env: Record<string, string>): Promise<OwnServer> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const dataDir = mkdtempSync(join(tmpdir(), `leetchat-e2e-${name}-`))
  const server = spawn(join(ROOT, 'node_modules/.bin/bun'), ['api/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: origin,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MAX_CONNECTIONS_PER_IP: '500',
      RATE_FINDS_PER_MINUTE: '1000',
      ...env,
    },
  })
  for (let i = 0; ; i++) {
    const up = await fetch(`${origin}/healthz`).then(
      r => r.ok,
      () => false,
    )
    if (up) break
    if (i > 300 || server.exitCode !== null) throw new Error(`the ${name} server did not start`)
    await new Promise(r => setTimeout(r, 100))
  }
  return {
    origin,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM')
        await new Promise(r => server.once('exit', r))
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
