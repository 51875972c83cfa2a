// Renders ops/nginx/leetchat.conf for one deployment. Most values come from the app's own env
// file through api/config.ts (same parsing, same defaults), so nginx's server name, upstream,
// WebSocket path and body cap always agree with what the app runs with. With several nodes,
// UPSTREAMS in the env file lists them all (one `server` line each).
//
//   node_modules/.bin/bun ops/nginx/render.ts --env /etc/leetchat/leetchat.env > /etc/nginx/sites-available/leetchat.conf
//   node_modules/.bin/bun ops/nginx/render.ts --help
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, type Config } from '../../api/config'
import { runRenderCli } from '../render-cli'

export const TEMPLATE = resolve(import.meta.dir, 'leetchat.conf')

export interface NginxValues {
  SERVER_NAME: string
  PUBLIC_URL: string
  HTTP_LISTEN: string
  HTTP_LISTEN6: string
  HTTPS_LISTEN: string
  HTTPS_LISTEN6: string
  TLS_CERT: string
  TLS_KEY: string
  ACME_ROOT: string
  APP_ROOT: string
  /** host:port of each node, comma-separated: the template line holding it is repeated per node. */
  UPSTREAM: string
  WS_PATH: string
  MAX_BODY: string
  ACCESS_LOG: string
}

/** nginx size syntax for a byte count: 1048576 → "1m", 65536 → "64k", 1000 → "1000". */
export function nginxSize(bytes: number): string {
  if (bytes % 1_048_576 === 0) return `${bytes / 1_048_576}m`
  if (bytes % 1024 === 0) return `${bytes / 1024}k`
  return String(bytes)
}

/** host:port nginx should proxy to, from the app's HOST/PORT (a wildcard host means loopback). */
export function upstreamOf(config: Pick<Config, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host
  return `${host.includes(':') ? `[${host}]` : host}:${config.port}`
}

/** Values for the template from the app's config; `overrides` wins for any key. */
export function valuesFromConfig(config: Config, overrides: Partial<NginxValues> = {}): NginxValues {
  const pub = new URL(config.publicUrl)
  if (pub.protocol !== 'https:') throw new ConfigError('PUBLIC_URL', `must be https://… behind nginx with TLS, got "${config.publicUrl}"`)
  if (config.port === 0) throw new ConfigError('PORT', 'must be a fixed port behind nginx, not 0')
  const httpsPort = pub.port || '443'
  const name = pub.hostname.replace(/^\[|\]$/g, '')
  return {
    SERVER_NAME: pub.hostname,
    PUBLIC_URL: pub.origin,
    HTTP_LISTEN: '80',
    HTTP_LISTEN6: '[::]:80',
    HTTPS_LISTEN: httpsPort,
    HTTPS_LISTEN6: `[::]:${httpsPort}`,
    TLS_CERT: `/etc/letsencrypt/live/${name}/fullchain.pem`,
    TLS_KEY: `/etc/letsencrypt/live/${name}/privkey.pem`,
    ACME_ROOT: '/var/www/html',
    APP_ROOT: resolve(import.meta.dir, '../..'),
    UPSTREAM: config.upstreams.length > 0 ? config.upstreams.join(',') : upstreamOf(config),
    WS_PATH: config.wsPath,
    MAX_BODY: nginxSize(config.maxUploadBytes),
    ACCESS_LOG: '/var/log/nginx/leetchat.access.log',
    ...overrides,
  }
}

/** Placeholders whose value is a comma-separated list: their line is repeated, once per item. */
const LIST_VALUES = new Set(['UPSTREAM'])

/** Fills every @NAME@; refuses an unknown or missing one, and values that could break the syntax. */
export function renderNginxConfig(values: NginxValues, template = readFileSync(TEMPLATE, 'utf8')): string {
  for (const [k, v] of Object.entries(values)) {
    if (!v || /[\s;{}'"#$]/.test(v)) throw new Error(`nginx value ${k} must be non-empty, without spaces, quotes, ; { } # or $, got "${v}"`)
    if (!LIST_VALUES.has(k) && v.includes(',')) throw new Error(`nginx value ${k} must be a single value, got "${v}"`)
    if (LIST_VALUES.has(k) && v.split(',').some((item: string) => item === '')) throw new Error(`nginx value ${k} has an empty item: "${v}"`)
  }
  // Only placeholders outside comments are filled; the header documents them by name.
  const out = template
    .split('\n')
    .flatMap(line => {
      const hash = line.indexOf('#')
      const code = hash === -1 ? line : line.slice(0, hash)
      const rest = hash === -1 ? '' : line.slice(hash)
      const fill = (item: (name: string, v: string) => string) =>
        code.replace(/@([A-Z0-9_]+)@/g, (_, name: string) => {
          const v = (values as unknown as Record<string, string>)[name]
          if (v === undefined) throw new Error(`template placeholder @${name}@ has no value`)
          return item(name, v)
        }) + rest
      const list = [...code.matchAll(/@([A-Z0-9_]+)@/g)].map(m => m[1]!).find(n => LIST_VALUES.has(n))
      if (!list) return [fill((_, v) => v)]
      const items = (values as unknown as Record<string, string>)[list]!.split(',')
      return items.map(it => fill((name, v) => (name === list ? it : v)))
    })
    .join('\n')
  return out
}

const FLAGS: Record<string, keyof NginxValues> = {
  '--server-name': 'SERVER_NAME',
  '--http-listen': 'HTTP_LISTEN',
  '--http-listen6': 'HTTP_LISTEN6',
  '--https-listen': 'HTTPS_LISTEN',
  '--https-listen6': 'HTTPS_LISTEN6',
  '--cert': 'TLS_CERT',
  '--key': 'TLS_KEY',
  '--acme-root': 'ACME_ROOT',
  '--app-root': 'APP_ROOT',
  '--upstream': 'UPSTREAM',
  '--access-log': 'ACCESS_LOG',
}

const HELP = `Renders ops/nginx/leetchat.conf to stdout.

  bun ops/nginx/render.ts --env <file> [flags]

  --env <file>            the app's env file (PUBLIC_URL must be https://…; HOST, PORT, UPSTREAMS,
                          WS_PATH and MAX_UPLOAD_BYTES are read from it). Without it, the current
                          environment. --upstream takes host:port[,host:port] like UPSTREAMS.
${Object.entries(FLAGS)
  .map(([f, k]) => `  ${(f + ' <value>').padEnd(24)}${k}`)
  .join('\n')}

Defaults: see the header of ops/nginx/leetchat.conf.`

if (import.meta.main) runRenderCli<NginxValues>({ help: HELP, flags: FLAGS, render: (config, overrides) => renderNginxConfig(valuesFromConfig(config, overrides)) })
