// SHA-256 (FIPS 180-4) in plain JS, for the proof of work: Web Crypto's digest costs a promise
// and a thread hop per call (about 60 000 hashes/s in Chromium), which would make a phone pay far
// more than a bot with native code. Here one hash of a short message is a few hundred ns. The
// constants are derived as the standard defines them (fractional parts of square and cube roots
// of the first primes) rather than written out; tests/unit/pwa-sha256.test.ts checks the output
// against node:crypto.
const PRIMES: number[] = []
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every(p => n % p !== 0)) PRIMES.push(n)
const frac32 = (x: number) => ((x - Math.floor(x)) * 2 ** 32) >>> 0
const K = Uint32Array.from(PRIMES, p => frac32(Math.cbrt(p)))
export const H0 = Uint32Array.from(PRIMES.slice(0, 8), p => frac32(Math.sqrt(p)))

const W = new Uint32Array(64)

/** One 64-byte block of `m` at `off` folded into the state `h` (in place). */
export function compress(h: Uint32Array, m: Uint8Array, off: number) {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4
    W[i] = ((m[j]! << 24) | (m[j + 1]! << 16) | (m[j + 2]! << 8) | m[j + 3]!) >>> 0
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!
    const b = W[i - 2]!
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) >>> 0
  }
  let a = h[0]!,
    b = h[1]!,
    c = h[2]!,
    d = h[3]!,
    e = h[4]!,
    f = h[5]!,
    g = h[6]!,
    k = h[7]!
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    k = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  h[0] = (h[0]! + a) >>> 0
  h[1] = (h[1]! + b) >>> 0
  h[2] = (h[2]! + c) >>> 0
  h[3] = (h[3]! + d) >>> 0
  h[4] = (h[4]! + e) >>> 0
  h[5] = (h[5]! + f) >>> 0
  h[6] = (h[6]! + g) >>> 0
  h[7] = (h[7]! + k) >>> 0
}

/**
 * Hashes `prefix` followed by each suffix cheaply: the prefix's whole blocks are compressed once
 * (the "midstate"), each call only the tail. Returns the first state word, which is all a
 * leading-zero count of up to 32 bits needs, or the whole digest.
 */
export function prefixHasher(prefix: Uint8Array) {
  const whole = prefix.length - (prefix.length % 64)
  const mid = H0.slice()
  for (let off = 0; off < whole; off += 64) compress(mid, prefix, off)
  const rest = prefix.subarray(whole)
  const buf = new Uint8Array(192)
  const h = new Uint32Array(8)
  // `suffix` is bytes, or an ASCII string written in directly (the worker's nonces: no encoder).
  return (suffix: Uint8Array | string): Uint32Array => {
    const len = rest.length + suffix.length
    const blocks = len + 9 <= 64 ? 1 : len + 9 <= 128 ? 2 : 3
    buf.fill(0, 0, blocks * 64)
    buf.set(rest, 0)
    if (typeof suffix === 'string') for (let i = 0; i < suffix.length; i++) buf[rest.length + i] = suffix.charCodeAt(i)
    else buf.set(suffix, rest.length)
    buf[len] = 0x80
    const bits = (prefix.length + suffix.length) * 8
    const end = blocks * 64
    buf[end - 4] = bits >>> 24
    buf[end - 3] = bits >>> 16
    buf[end - 2] = bits >>> 8
    buf[end - 1] = bits
    buf[end - 5] = Math.floor(bits / 2 ** 32)
    h.set(mid)
    for (let off = 0; off < end; off += 64) compress(h, buf, off)
    return h
  }
}

/** Leading zero bits of a digest given as state words. */
export function leadingZeroBitsOf(h: Uint32Array): number {
  let n = 0
  for (const w of h) {
    if (w === 0) {
      n += 32
      continue
    }
    return n + Math.clz32(w)
  }
  return n
}

/** SHA-256 of `m` (tests; the worker uses prefixHasher). */
export function sha256(m: Uint8Array): Uint8Array {
  const h = prefixHasher(new Uint8Array(0))
  // Long messages: fold whole blocks first through a prefix hasher of them.
  const whole = m.length - (m.length % 64)
  const words = (whole ? prefixHasher(m.subarray(0, whole)) : h)(m.subarray(whole))
  const out = new Uint8Array(32)
  for (let i = 0; i < 8; i++) {
    out[i * 4] = words[i]! >>> 24
    out[i * 4 + 1] = words[i]! >>> 16
    out[i * 4 + 2] = words[i]! >>> 8
    out[i * 4 + 3] = words[i]!
  }
  return out
}
