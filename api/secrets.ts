// The server secret signs media links and keys IP hashes. When SECRET is unset it is generated
// once and kept in DATA_DIR, so links and ban hashes survive a restart.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Secrets {
  /** HMAC-SHA256 of `data`, base64url. */
  sign(purpose: string, data: string): string
  /** Constant-time check of a signature made by `sign`. */
  verify(purpose: string, data: string, signature: string): boolean
  /** Stable, non-reversible id for an IP address (raw IPs are never stored or logged). */
  hashIp(ip: string): string
}

export function loadSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured
  const file = join(dataDir, 'secret')
  if (existsSync(file)) {
    const s = readFileSync(file, 'utf8').trim()
    if (s.length >= 32) return s
  }
  mkdirSync(dataDir, { recursive: true })
  const s = randomBytes(32).toString('base64url')
  writeFileSync(file, s + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return s
}

export function createSecrets(secret: string): Secrets {
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
    hashIp: ip => mac('ip', ip).subarray(0, 16).toString('hex'),
  }
}
