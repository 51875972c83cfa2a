// Starts a private coturn `turnserver` on loopback for the video tests: a free port, a generated
// shared secret (`use-auth-secret`, as production runs it), relays on 127.0.0.1 with loopback
// peers allowed (production denies private ranges), no CLI, no TLS, its log and pid file in a tmp
// directory that goes away with it.
import type { Subprocess } from 'bun'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderTurnConfig } from '../../ops/coturn/render'
import { freePort } from './memcached'
import { StunClient } from './stun-client'

export interface TurnServer {
  port: number
  secret: string
  realm: string
  /** The TURN_URLS value that points at it. */
  url: string
  /** What it logged so far (for a failing test's message). */
  log(): string
  stop(): Promise<void>
}

export const TURNSERVER_BIN = Bun.which('turnserver') ?? '/usr/bin/turnserver'

/**
 * `production: true` runs the production template (ops/coturn/turnserver.conf, rendered as
 * ops/coturn/render.ts renders it) instead of the test flags: private peers denied, no loopback
 * peers; only the addresses (loopback), the ports and the log are given on the command line.
 */
export async function startTurnServer(opts: { production?: boolean } = {}): Promise<TurnServer> {
  const port = await freePort()
  const secret = randomBytes(24).toString('base64url')
  const realm = 'leetchat.test'
  const dir = mkdtempSync(join(tmpdir(), 'leetchat-turn-'))
  // A relay range of its own, so several test runs on one machine rarely reach for the same ports.
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100
  const conf = join(dir, 'turnserver.conf')
  if (opts.production) {
    const values = {
      REALM: realm,
      SECRET: secret,
      LISTEN_PORT: String(port),
      TLS_PORT: String(await freePort()),
      // No certificate in tests: coturn warns and starts without its TLS listener.
      TLS_CERT: join(dir, 'no-cert.pem'),
      TLS_KEY: join(dir, 'no-key.pem'),
      MIN_PORT: String(minPort),
      MAX_PORT: String(minPort + 99),
    }
    writeFileSync(conf, renderTurnConfig(values))
  }
  const testFlags = [
    '-n', // no config file: only these options
    `--listening-ip=127.0.0.1`,
    `--relay-ip=127.0.0.1`,
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + 99}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    '--fingerprint',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-multicast-peers',
    '--allow-loopback-peers',
  ]
  const args = [
    TURNSERVER_BIN,
    ...(opts.production ? ['-c', conf, '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1'] : testFlags),
    `--log-file=${join(dir, 'turn.log')}`,
    '--simple-log',
    '--no-stdout-log',
    `--pidfile=${join(dir, 'turn.pid')}`,
  ]
  const proc: Subprocess = Bun.spawn(args, { stdout: 'ignore', stderr: 'ignore' })
  const log = () => {
    try {
      return readFileSync(join(dir, 'turn.log'), 'utf8')
    } catch {
      return ''
    }
  }
  const stop = async () => {
    proc.kill('SIGTERM')
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)])
    if (!exited) {
      proc.kill('SIGKILL')
      await proc.exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  // Up when it answers a STUN Binding request.
  const probe = await StunClient.open('127.0.0.1', port)
  try {
    const until = Date.now() + 10_000
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`turnserver exited with ${proc.exitCode}: ${log().slice(-2000)}`)
      if (await probe.binding(200)) break
      if (Date.now() > until) {
        await stop()
        throw new Error(`turnserver on ${port} did not answer within 10 s: ${log().slice(-2000)}`)
      }
    }
  } finally {
    probe.close()
  }
  return { port, secret, realm, url: `turn:127.0.0.1:${port}?transport=udp`, log, stop }
}
