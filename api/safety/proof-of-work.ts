// Proof of work before pairing: a hashcash of our own, SHA-256 over `${token}:${nonce}` until the
// digest has `bits` leading zero bits. Chosen over a library (altcha-lib and the like) because the
// whole thing is ~60 lines on both sides, the browser solves it with Web Crypto (no WASM, no
// widget), and a raw script solves it with any SHA-256: the contract is one sentence.
//
// A token is `v1.<bits>.<expiresAt>.<salt>.<sig>`; sig is the shared secret's HMAC over the rest
// plus the session id and the address hash, so it verifies on any node and only for the session
// and address it was issued to. Single use: the salt is claimed in the cache (shared across nodes)
// when a proof is accepted.
import { createHash, randomBytes } from 'node:crypto'
import type { Cache } from '../cache/cache'
import type { ProofChallenge } from '../chat/protocol'
import type { Secrets } from '../secrets'

/** How long a challenge may be solved for: a slow phone needs a few seconds, never minutes. */
export const CHALLENGE_TTL_MS = 120_000

export interface ProofBinding {
  sessionId: string
  ipHash: string
}

const bound = (body: string, b: ProofBinding) => `${body}|${b.sessionId}|${b.ipHash}`

export function issueChallenge(secrets: Secrets, b: ProofBinding, bits: number, now: number): ProofChallenge {
  const expiresAt = now + CHALLENGE_TTL_MS
  const body = `v1.${bits}.${expiresAt}.${randomBytes(12).toString('base64url')}`
  return { token: `${body}.${secrets.sign('pow', bound(body, b))}`, bits, expiresAt }
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(d: Uint8Array): number {
  let n = 0
  for (const byte of d) {
    if (byte === 0) {
      n += 8
      continue
    }
    return n + Math.clz32(byte) - 24
  }
  return n
}

export type ProofResult = { ok: true; bits: number } | { ok: false; message: string }

const TOKEN = /^v1\.(\d{1,2})\.(\d{13})\.([\w-]{16})\.([\w-]{43})$/

export async function verifyProof(secrets: Secrets, cache: Cache, b: ProofBinding, token: string, nonce: string, now: number): Promise<ProofResult> {
  const m = TOKEN.exec(token)
  if (!m) return { ok: false, message: 'proof: not a token this server issued' }
  const [, bitsS, expS, salt, sig] = m
  const body = token.slice(0, token.length - sig!.length - 1)
  if (!secrets.verify('pow', bound(body, b), sig!)) return { ok: false, message: 'proof: the token was not issued to this session' }
  const expiresAt = Number(expS)
  if (expiresAt <= now) return { ok: false, message: 'proof: the challenge expired; find again for a new one' }
  const bits = Number(bitsS)
  if (leadingZeroBits(createHash('sha256').update(`${token}:${nonce}`).digest()) < bits) return { ok: false, message: 'proof: the nonce does not solve the challenge' }
  // Last, so a wrong nonce cannot burn a token; `add` is atomic on every cache backend.
  const ttl = Math.max(1, Math.ceil((expiresAt - now) / 1000) + 1)
  const used = `pow:used:${salt}`
  // add is false when the key exists, and also when the cache failed: only the first is a replay
  // (during a cache outage proofs are let through rather than nobody new being able to pair).
  if (!(await cache.add(used, '1', ttl)) && (await cache.get(used)) !== null) return { ok: false, message: 'proof: this challenge was already used' }
  return { ok: true, bits }
}

/** A solver for scripts and tests (the PWA has its own, with Web Crypto, in a worker). */
export function solveChallenge(c: Pick<ProofChallenge, 'token' | 'bits'>): string {
  for (let n = 0; ; n++) {
    const nonce = n.toString(36)
    if (leadingZeroBits(createHash('sha256').update(`${c.token}:${nonce}`).digest()) >= c.bits) return nonce
  }
}
