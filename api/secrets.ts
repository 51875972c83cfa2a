// The server secret signs media links and keys IP hashes. When SECRET is unset it is generated
// once and kept in DATA_DIR, so links and ban hashes survive a restart. With several nodes
// (REDIS_URL) every node must use the same one, or a link signed on one node fails on another and
// one address hashes to two ids: see loadSharedSecret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { nodeKeys } from './cluster/nodes'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RedisConnections } from './cluster/redis'
import { addressKey } from './ip-address'

export interface Secrets {
  /** HMAC-SHA256 of `data`, base64url. */
  sign(purpose: string, data: string): string
  /** Constant-time check of a signature made by `sign`. */
  verify(purpose: string, data: string, signature: string): boolean
  /**
   * Stable, non-reversible id for an IP address (raw IPs are never stored or logged). It hashes
   * addressKey(ip): the IPv4 address or the IPv6 /IPV6_PREFIX network, so every rule keyed on
   * it (caps, rate buckets, reports, bans) treats one IPv6 subscriber's /64 as one address.
   */
  hashIp(ip: string): string
  /**
   * Id of the network an address belongs to, for counting reporters: the IPv4 address, or the
   * IPv6 /REPORTER_NETWORK_PREFIX (/56; the IPV6_PREFIX network when that is wider). One home
   * IPv6 customer is often given a /56 (or a /48): 256 /64s, each a distinct `hashIp`, which must
   * not count as 256 reporters.
   */
  hashNetwork(ip: string): string
}

/** The IPv6 prefix reporters are counted by (RIPE-690: a /56 or a /48 per customer). */
export const REPORTER_NETWORK_PREFIX = 56

const MIN_SECRET = 32

function readSecretFile(dataDir: string): string | null {
  const file = join(dataDir, 'secret')
  if (!existsSync(file)) return null
  const s = readFileSync(file, 'utf8').trim()
  return s.length >= MIN_SECRET ? s : null
}

/** Writes DATA_DIR/secret whole or not at all (nodes sharing DATA_DIR may read it meanwhile). */
function writeSecretFile(dataDir: string, secret: string) {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'secret')
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, secret + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}

export function loadSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured
  const existing = readSecretFile(dataDir)
  if (existing) return existing
  const s = randomBytes(32).toString('base64url')
  writeSecretFile(dataDir, s)
  return s
}

/**
 * The one secret of a cluster. SECRET, when set, wins (set the same on every node). Otherwise the
 * secret lives at `<REDIS_PREFIX>{nodes}:secret`: the first node to start offers DATA_DIR/secret if it has
 * one, else a fresh one, with SET NX, so concurrent starts agree on a single winner; every node
 * then uses what Redis holds and writes it to DATA_DIR/secret. Redis runs without persistence, so
 * after a Redis restart the next node to start publishes the file's secret again, the same one the
 * running nodes hold. Throws (start-up fails) when Redis does not answer: a node must never pick
 * a secret of its own.
 */
export async function loadSharedSecret(configured: string | null, dataDir: string, redis: RedisConnections, onReplaced?: () => void): Promise<string> {
  if (configured) return configured
  const key = nodeKeys(redis.prefix).secret
  const fromFile = readSecretFile(dataDir)
  await redis.cmd.set(key, fromFile ?? randomBytes(32).toString('base64url'), 'NX')
  const shared = await redis.cmd.get(key)
  if (!shared || shared.length < MIN_SECRET) throw new Error(`the shared secret in Redis (${key}) is missing or shorter than ${MIN_SECRET} characters`)
  if (shared !== fromFile) {
    if (fromFile) onReplaced?.()
    writeSecretFile(dataDir, shared)
  }
  return shared
}

export function createSecrets(secret: string, opts: { ipv6Prefix?: number } = {}): Secrets {
  const ipv6Prefix = opts.ipv6Prefix ?? 64
  // Domain-separate each purpose so a signature for one thing is never valid for another.
  const mac = (purpose: string, data: string) => createHmac('sha256', secret).update(purpose).update('\0').update(data).digest()
  return {
    sign: (purpose, data) => mac(purpose, data).toString('base64url'),
    verify(purpose, data, signature) {
      const expected = mac(purpose, data)
      let given: Buffer
      try {
        given = Buffer.from(signature, 'base64url')
      } catch {
        return false
      }
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
    hashIp: ip => mac('ip', addressKey(ip, ipv6Prefix)).subarray(0, 16).toString('hex'),
    hashNetwork: ip =>
      mac('net', addressKey(ip, Math.min(ipv6Prefix, REPORTER_NETWORK_PREFIX)))
        .subarray(0, 16)
        .toString('hex'),
  }
}
