// Solves a proof-of-work challenge off the main thread (see api/safety/proof-of-work.ts): the
// smallest base-36 nonce n such that SHA-256(`${token}:${n}`) has `bits` leading zero bits.
// Web Crypto's digest is asynchronous, so hashes are issued in batches and awaited together.
const BATCH = 512

function leadingZeroBits(d: Uint8Array): number {
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

self.onmessage = async (e: MessageEvent<{ token: string; bits: number }>) => {
  const { token, bits } = e.data
  const enc = new TextEncoder()
  const t0 = performance.now()
  for (let base = 0; ; base += BATCH) {
    const nonces: string[] = []
    const digests: Array<Promise<ArrayBuffer>> = []
    for (let i = 0; i < BATCH; i++) {
      const nonce = (base + i).toString(36)
      nonces.push(nonce)
      digests.push(crypto.subtle.digest('SHA-256', enc.encode(`${token}:${nonce}`)))
    }
    const done = await Promise.all(digests)
    for (let i = 0; i < BATCH; i++) {
      if (leadingZeroBits(new Uint8Array(done[i]!)) >= bits) {
        self.postMessage({ nonce: nonces[i], hashes: base + i + 1, ms: performance.now() - t0 })
        return
      }
    }
  }
}
