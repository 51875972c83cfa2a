// Renders ops/coturn/turnserver.conf for one deployment from the app's own env file (through
// api/config.ts, the same parsing): the shared secret is the app's TURN_SECRET, so the
// credentials rtc.iceServers hands out are the ones coturn accepts; the realm and the TLS
// certificate follow PUBLIC_URL's host (the site's Let's Encrypt certificate).
//
//   node_modules/.bin/bun ops/coturn/render.ts --env /etc/leetchat/leetchat.env > /etc/leetchat/turnserver.conf
//   node_modules/.bin/bun ops/coturn/render.ts --help
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, type Config } from '../../api/config'
import { runRenderCli } from '../render-cli'

export const TEMPLATE = resolve(import.meta.dir, 'turnserver.conf')

export interface TurnValues {
  REALM: string
  SECRET: string
  LISTEN_PORT: string
  TLS_PORT: string
  TLS_CERT: string
  TLS_KEY: string
  MIN_PORT: string
  MAX_PORT: string
}

/** Values for the template from the app's config; `overrides` wins for any key. */
export function turnValuesFromConfig(config: Config, overrides: Partial<TurnValues> = {}): TurnValues {
  if (!config.turnSecret) throw new ConfigError('TURN_SECRET', 'must be set in the env file: coturn and the app share it')
  const host = new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, '')
  return {
    REALM: host,
    SECRET: config.turnSecret,
    LISTEN_PORT: '3478',
    TLS_PORT: '5349',
    TLS_CERT: `/etc/letsencrypt/live/${host}/fullchain.pem`,
    TLS_KEY: `/etc/letsencrypt/live/${host}/privkey.pem`,
    MIN_PORT: '49160',
    MAX_PORT: '49999',
    ...overrides,
  }
}

/** Fills every @NAME@ (outside comments); refuses a missing one and values that could add a line. */
export function renderTurnConfig(values: TurnValues, template = readFileSync(TEMPLATE, 'utf8')): string {
  for (const [k, v] of Object.entries(values)) {
    if (!v || /[\s#"']/.test(v)) throw new Error(`coturn value ${k} must be non-empty, without spaces, quotes or #, got "${k === 'SECRET' ? '…' : v}"`)
  }
  for (const k of ['LISTEN_PORT', 'TLS_PORT', 'MIN_PORT', 'MAX_PORT'] as const) {
    const n = Number(values[k])
    if (!/^\d+$/.test(values[k]) || n < 1 || n > 65535) throw new Error(`coturn value ${k} must be a port number, got "${values[k]}"`)
  }
  if (Number(values.MIN_PORT) > Number(values.MAX_PORT)) throw new Error('coturn MIN_PORT must not be above MAX_PORT')
  return template
    .split('\n')
    .map(line => {
      if (line.trimStart().startsWith('#')) return line
      return line.replace(/@([A-Z0-9_]+)@/g, (_, name: string) => {
        const v = (values as unknown as Record<string, string>)[name]
        if (v === undefined) throw new Error(`template placeholder @${name}@ has no value`)
        return v
      })
    })
    .join('\n')
}

const FLAGS: Record<string, keyof TurnValues> = {
  '--realm': 'REALM',
  '--listen-port': 'LISTEN_PORT',
  '--tls-port': 'TLS_PORT',
  '--cert': 'TLS_CERT',
  '--key': 'TLS_KEY',
  '--min-port': 'MIN_PORT',
  '--max-port': 'MAX_PORT',
}

const HELP = `Renders ops/coturn/turnserver.conf to stdout.

  bun ops/coturn/render.ts --env <file> [flags]

  --env <file>            the app's env file (TURN_SECRET and PUBLIC_URL are read from it).
${Object.entries(FLAGS)
  .map(([f, k]) => `  ${(f + ' <value>').padEnd(24)}${k}`)
  .join('\n')}
`

if (import.meta.main) runRenderCli<TurnValues>({ help: HELP, flags: FLAGS, render: (config, overrides) => renderTurnConfig(turnValuesFromConfig(config, overrides)) })
