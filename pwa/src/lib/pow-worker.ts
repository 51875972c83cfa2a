// Solves a proof-of-work challenge off the main thread (see api/safety/proof-of-work.ts): the
// smallest base-36 nonce n such that SHA-256(`${token}:${n}`) has `bits` leading zero bits.
// Our own SHA-256 (sha256.ts) with the token's blocks hashed once: Web Crypto would cost a promise
// per hash, about 15× slower here than native code in a bot.
import { leadingZeroBitsOf, prefixHasher } from './sha256'

self.onmessage = (e: MessageEvent<{ token: string; bits: number }>) => {
  const { token, bits } = e.data
  const enc = new TextEncoder()
  const hash = prefixHasher(enc.encode(`${token}:`))
  const t0 = performance.now()
  for (let n = 0; ; n++) {
    const nonce = n.toString(36)
    if (leadingZeroBitsOf(hash(nonce)) >= bits) {
      self.postMessage({ nonce, hashes: n + 1, ms: performance.now() - t0 })
      return
    }
  }
}
