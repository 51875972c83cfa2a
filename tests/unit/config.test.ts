import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, loadConfig } from '../../api/config'
import { MAX_SDP_BYTES } from '../../api/chat/protocol'

const ROOT = resolve(import.meta.dir, '../..')

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`)
}

describe('config', () => {
  test('defaults match the contract', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      dataDir: './data',
      databaseUrl: null,
      memcachedServers: null,
      redisUrl: null,
      redisPrefix: 'leetchat:',
      nodeHeartbeatMs: 1000,
      nodeTtlMs: 3000,
      wsPath: '/chat',
      allowedOrigins: ['http://localhost:3000'],
      trustedProxies: [],
      matchFallbackMs: 8000,
      repairCooldownMs: 30_000,
      resumeWindowMs: 60_000,
      maxTextLength: 2000,
      maxUploadBytes: 1_048_576,
      mediaLinkTtlSeconds: 1800,
      mediaRetentionSeconds: 1800,
      mediaSweepCron: '* * * * *',
      logLevel: 'info',
      metricsEnabled: true,
    })
    // A fresh random node id per start unless NODE_ID is set.
    expect(c.nodeId).toMatch(/^[0-9a-f]{12}$/)
    expect(loadConfig({}).nodeId).not.toBe(c.nodeId)
    expect(loadConfig({ NODE_ID: 'web-1', REDIS_URL: 'redis://10.0.0.5:6379/2', REDIS_PREFIX: 'lc:' })).toMatchObject({
      nodeId: 'web-1',
      redisUrl: 'redis://10.0.0.5:6379/2',
      redisPrefix: 'lc:',
    })
    expect(loadConfig({ UPSTREAMS: '127.0.0.1:3000, 127.0.0.1:3001,[::1]:3002' }).upstreams).toEqual(['127.0.0.1:3000', '127.0.0.1:3001', '[::1]:3002'])
    // A frame must fit the longest text (up to 6 bytes per UTF-16 unit when JSON-escaped).
    expect(c.maxFrameBytes).toBeGreaterThanOrEqual(c.maxTextLength * 6)
  })

  test('values are read, trimmed and derived', () => {
    const c = loadConfig({
      HOST: ' 127.0.0.1 ',
      PORT: '8080',
      DATABASE_URL: 'mysql://u:p@db:3306/app',
      MEMCACHED_SERVERS: '10.0.0.1:11211, cache:11212',
      ALLOWED_ORIGINS: 'https://a.example/, https://b.example:8443',
      TRUSTED_PROXIES: 'loopback, 10.0.0.2, ::1',
      MATCH_FALLBACK_MS: '0',
      METRICS_ENABLED: 'off',
      LOG_LEVEL: 'silent',
      MEDIA_LINK_TTL_SECONDS: '60',
      MAX_TEXT_LENGTH: '10',
    })
    expect(c.host).toBe('127.0.0.1')
    expect(c.memcachedServers).toBe('10.0.0.1:11211,cache:11212')
    expect(c.publicUrl).toBe('http://127.0.0.1:8080')
    expect(c.allowedOrigins).toEqual(['https://a.example', 'https://b.example:8443'])
    expect(c.trustedProxies).toEqual(['loopback', '10.0.0.2', '::1'])
    expect(c.matchFallbackMs).toBe(0)
    expect(c.metricsEnabled).toBe(false)
    // retention follows the link lifetime unless set
    expect(c.mediaRetentionSeconds).toBe(60)
    // the frame limit never drops below what an rtc offer of MAX_SDP_BYTES needs (CRLFs escaped)
    expect(c.maxFrameBytes).toBe(2 * MAX_SDP_BYTES + 1024)
    expect(loadConfig({ PUBLIC_URL: 'https://chat.example.com/some/path' }).allowedOrigins).toEqual(['https://chat.example.com'])
    expect(loadConfig({ PORT: '' }).port).toBe(3000) // empty means unset
  })

  test('each bad value stops start-up with a message naming its variable', () => {
    const bad: Array<[string, string]> = [
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '3.5'],
      ['PUBLIC_URL', 'not a url'],
      ['PUBLIC_URL', 'ftp://x.example'],
      ['DATABASE_URL', 'postgres://x/y'],
      ['MEMCACHED_SERVERS', 'localhost'],
      ['MEMCACHED_SERVERS', '127.0.0.1:11211,oops'],
      ['MEMCACHED_SERVERS', '[::1]:11211'], // memjs cannot parse IPv6 literals
      ['CACHE_TIMEOUT_MS', '5'],
      ['REDIS_URL', '127.0.0.1:6379'],
      ['REDIS_URL', 'memcached://x:1'],
      ['REDIS_PREFIX', 'has space'],
      ['NODE_ID', 'a/b'],
      ['NODE_HEARTBEAT_MS', '10'],
      ['NODE_TTL_MS', '1500'], // less than two heartbeats
      ['NODE_TTL_MS', 'x'],
      ['UPSTREAMS', '127.0.0.1'],
      ['UPSTREAMS', '127.0.0.1:3000,http://x:1'],
      ['WS_PATH', 'chat'],
      ['WS_PATH', '/chat?x=1'],
      ['ALLOWED_ORIGINS', 'https://ok.example,nope'],
      ['TRUSTED_PROXIES', '10.0.0.0/8'],
      ['TRUSTED_PROXIES', 'proxy.internal'],
      ['MATCH_FALLBACK_MS', '-1'],
      ['REPAIR_COOLDOWN_MS', 'soon'],
      ['RESUME_WINDOW_MS', '1e3'],
      ['RESUME_BUFFER_FRAMES', '1'],
      ['MAX_TEXT_LENGTH', '0'],
      ['MAX_FRAME_BYTES', '100'],
      ['ONLINE_BROADCAST_MS', '10'],
      ['MAX_UPLOAD_BYTES', '0'],
      ['UPLOAD_TICKET_TTL_SECONDS', 'x'],
      ['MEDIA_LINK_TTL_SECONDS', '0'],
      ['MEDIA_RETENTION_SECONDS', '-5'],
      ['MEDIA_SWEEP_CRON', 'every minute'],
      ['MEDIA_SWEEP_CRON', '* * *'],
      ['MAX_VOICE_SECONDS', '0'],
      ['SCREEN_IMAGES', 'sometimes'],
      ['TURN_URLS', 'stun:stun.example.com'], // only relays: video never goes peer to peer
      ['TURN_URLS', 'https://turn.example.com'],
      ['TURN_SECRET', 'short'],
      ['TURN_CREDENTIAL_TTL_SECONDS', '10'],
      ['VIDEO_SCREENING', 'maybe'],
      ['RATE_RTC_PER_SECOND', '0'],
      ['SCREEN_THRESHOLD', '70%'],
      ['SCREEN_THRESHOLD', '1.5'],
      ['SCREEN_THRESHOLD', '-0.1'],
      ['SCREEN_THRESHOLD', 'NaN'],
      ['SCREEN_TIMEOUT_MS', '0'],
      ['SCREEN_STRIKE_WINDOW_SECONDS', '1'],
      ['SCREEN_FRAMES', '0'],
      ['SCREEN_FRAMES', '1000'],
      ['SCREEN_NICE', '-5'],
      ['SCREEN_NICE', '20'],
      ['SECRET', 'short'],
      ['REPORT_BAN_THRESHOLD', '0'],
      ['REPORT_BAN_WINDOW_SECONDS', 'x'],
      ['BAN_SECONDS', 'x'],
      ['RATE_TEXT_PER_SECOND', '0'],
      ['RATE_TEXT_BURST', 'x'],
      ['RATE_FINDS_PER_MINUTE', 'x'],
      ['RATE_TICKETS_PER_MINUTE', 'x'],
      ['RATE_REPORTS_PER_HOUR', 'x'],
      ['MAX_CONNECTIONS_PER_IP', '0'],
      ['ABUSE_STRIKES_BEFORE_CLOSE', '0'],
      ['SHUTDOWN_TIMEOUT_MS', '1'],
      ['LOG_LEVEL', 'verbose'],
      ['METRICS_ENABLED', 'maybe'],
    ]
    for (const [name, value] of bad) {
      const err = refusal({ [name]: value })
      expect({ name, variable: err.variable }).toEqual({ name, variable: name })
      expect(err.message).toStartWith(`config: ${name} `)
    }
  })

  test('image screening: on at 0.7 by default; on/off and thresholds from 0 to 1', () => {
    expect(loadConfig({})).toMatchObject({ screenImages: true, screenThreshold: 0.7, screenTimeoutMs: 5000, screenStrikeWindowSeconds: 86_400 })
    expect(loadConfig({ SCREEN_IMAGES: 'off' }).screenImages).toBe(false)
    expect(loadConfig({ SCREEN_IMAGES: 'on' }).screenImages).toBe(true)
    for (const [v, n] of [
      ['0', 0],
      ['1', 1],
      ['0.85', 0.85],
      ['.5', 0.5],
      ['1.0', 1],
    ] as const)
      expect(loadConfig({ SCREEN_THRESHOLD: v }).screenThreshold).toBe(n)
  })

  test('video is off without TURN_URLS, and TURN_URLS needs TURN_SECRET', () => {
    const off = loadConfig({})
    expect({ urls: off.turnUrls, secret: off.turnSecret, ttl: off.turnCredentialTtlSeconds, screening: off.videoScreening }).toEqual({
      urls: [],
      secret: null,
      ttl: 3600,
      screening: 'on',
    })
    expect(refusal({ TURN_URLS: 'turn:turn.example.com:3478' }).variable).toBe('TURN_SECRET')
    const on = loadConfig({ TURN_URLS: 'turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349?transport=tcp,turn:[2001:db8::1]', TURN_SECRET: 'x'.repeat(32) })
    expect(on.turnUrls).toEqual(['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349?transport=tcp', 'turn:[2001:db8::1]'])
  })

  test('.env.example documents exactly the variables config reads', () => {
    const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8')
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map(m => m[1]!))
    const source = readFileSync(resolve(ROOT, 'api/config.ts'), 'utf8')
    const read = new Set([...source.matchAll(/\b(?:raw|int|bool|list|fraction)\(env, '([A-Z0-9_]+)'/g)].map(m => m[1]!))
    expect(read.size).toBeGreaterThan(30)
    expect([...read].filter(n => !documented.has(n))).toEqual([])
    expect([...documented].filter(n => !read.has(n))).toEqual([])
  })
})
