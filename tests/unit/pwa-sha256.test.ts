// The PWA's own SHA-256 (pwa/src/lib/sha256.ts, used by the proof-of-work worker) agrees with
// node:crypto, and its solutions verify on the server.
import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { leadingZeroBitsOf, prefixHasher, sha256 } from '../../pwa/src/lib/sha256'
import { issueChallenge, leadingZeroBits } from '../../api/safety/proof-of-work'
import { createSecrets } from '../../api/secrets'

describe('PWA SHA-256', () => {
  test('matches node:crypto on known and random inputs of every length up to 300 bytes', () => {
    const enc = new TextEncoder()
    for (const s of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'a'.repeat(119), 'a'.repeat(120)]) {
      expect(Buffer.from(sha256(enc.encode(s))).toString('hex')).toBe(createHash('sha256').update(s).digest('hex'))
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), m => {
        expect(Buffer.from(sha256(m)).toString('hex')).toBe(createHash('sha256').update(m).digest('hex'))
      }),
      { numRuns: 500 },
    )
  })

  test('a prefix hasher gives the digest of prefix + suffix, and leading zeros agree with the server', () => {
    const enc = new TextEncoder()
    const ch = issueChallenge(createSecrets('s'.repeat(40)), { sessionId: 'x', ipHash: 'y' }, 8, Date.now())
    const h = prefixHasher(enc.encode(`${ch.token}:`))
    for (let n = 0; n < 2000; n++) {
      const nonce = n.toString(36)
      const d = createHash('sha256').update(`${ch.token}:${nonce}`).digest()
      expect(leadingZeroBitsOf(h(enc.encode(nonce)))).toBe(leadingZeroBits(d))
      expect(leadingZeroBitsOf(h(nonce))).toBe(leadingZeroBits(d))
    }
  })
})
