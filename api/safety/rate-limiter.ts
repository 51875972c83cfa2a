// Token buckets keyed by session id or IP hash, in memory: the chat hot path asks them on every
// frame, so a check is one Map lookup and some arithmetic. A bucket that has refilled to full is
// the same as no bucket, so the map is pruned of those without changing any answer; a hard cap
// keeps a flood of fresh keys from growing it without bound.

export interface BucketSpec {
  /** Tokens a burst may spend at once. */
  capacity: number
  /** Tokens regained per millisecond. */
  refillPerMs: number
}

export interface RateLimiter {
  /** 0 when `key` may spend `cost` tokens now, else the ms until it may (nothing is spent). */
  wait(key: string, now: number, cost?: number): number
  /** Spends `cost` tokens (call after wait() said 0). */
  spend(key: string, now: number, cost?: number): void
  /** wait() and, when it is 0, spend(). */
  take(key: string, now: number, cost?: number): number
  readonly size: number
}

interface Bucket {
  tokens: number
  at: number
}

export const perSecond = (n: number, burst = n): BucketSpec => ({ capacity: burst, refillPerMs: n / 1000 })
export const perMinute = (n: number, burst = n): BucketSpec => ({ capacity: burst, refillPerMs: n / 60_000 })
export const perHour = (n: number, burst = n): BucketSpec => ({ capacity: burst, refillPerMs: n / 3_600_000 })

export function createRateLimiter(spec: BucketSpec, opts: { maxKeys?: number; minSweep?: number } = {}): RateLimiter {
  const maxKeys = opts.maxKeys ?? 100_000
  const minSweep = opts.minSweep ?? 1024
  const buckets = new Map<string, Bucket>()
  let sweepAt = minSweep

  const level = (b: Bucket | undefined, now: number) =>
    b ? Math.min(spec.capacity, b.tokens + Math.max(0, now - b.at) * spec.refillPerMs) : spec.capacity

  // Amortised O(1): a sweep runs only when the map has doubled since the last one.
  function sweep(now: number) {
    for (const [k, b] of buckets) if (level(b, now) >= spec.capacity) buckets.delete(k)
    // Still too many live keys: forget the oldest (they regain a full bucket, nothing worse).
    if (buckets.size > maxKeys) {
      let drop = buckets.size - maxKeys
      for (const k of buckets.keys()) {
        if (drop-- <= 0) break
        buckets.delete(k)
      }
    }
    sweepAt = Math.max(minSweep, buckets.size * 2)
  }

  function wait(key: string, now: number, cost = 1): number {
    const have = level(buckets.get(key), now)
    // A client that waited exactly retryAfterMs must get through despite float rounding.
    if (have + 1e-9 >= cost) return 0
    // The epsilon keeps float noise (1/(2/3.6e6) = 1800000.0000000002) from adding a millisecond.
    return Math.max(1, Math.ceil((cost - have) / spec.refillPerMs - 1e-6))
  }

  function spend(key: string, now: number, cost = 1) {
    const b = buckets.get(key)
    const tokens = level(b, now) - cost
    if (b) {
      b.tokens = tokens
      b.at = now
      return
    }
    if (buckets.size >= sweepAt) sweep(now)
    buckets.set(key, { tokens, at: now })
  }

  return {
    wait,
    spend,
    take(key, now, cost = 1) {
      const w = wait(key, now, cost)
      if (w === 0) spend(key, now, cost)
      return w
    },
    get size() {
      return buckets.size
    },
  }
}
