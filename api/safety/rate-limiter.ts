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

/** One key's bucket. A caller may hold it as a handle (see `handle`) while `live` stays true. */
export interface Bucket {
  tokens: number
  at: number
  /** False once pruned from its limiter: a holder must ask `handle` again. */
  live: boolean
}

export const perSecond = (n: number, burst = n): BucketSpec => ({ capacity: burst, refillPerMs: n / 1000 })
export const perMinute = (n: number, burst = n): BucketSpec => ({ capacity: burst, refillPerMs: n / 60_000 })
export const perHour = (n: number, burst = n): BucketSpec => ({ capacity: burst, refillPerMs: n / 3_600_000 })

/** Token buckets of one spec. A class, so `takeBoth` can read two of them with one lookup each. */
export class TokenBuckets implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private sweepAt: number

  constructor(
    private readonly spec: BucketSpec,
    private readonly maxKeys: number,
    private readonly minSweep: number,
  ) {
    this.sweepAt = minSweep
  }

  get size() {
    return this.buckets.size
  }

  /** Tokens in `b` at `now` (a missing bucket is a full one). */
  level(b: Bucket | undefined, now: number): number {
    const { capacity, refillPerMs } = this.spec
    return b ? Math.min(capacity, b.tokens + Math.max(0, now - b.at) * refillPerMs) : capacity
  }

  /** 0 when `have` tokens cover `cost`, else the ms until they will. */
  waitFor(have: number, cost: number): number {
    // A client that waited exactly retryAfterMs must get through despite float rounding.
    if (have + 1e-9 >= cost) return 0
    // The epsilon keeps float noise (1/(2/3.6e6) = 1800000.0000000002) from adding a millisecond.
    return Math.max(1, Math.ceil((cost - have) / this.spec.refillPerMs - 1e-6))
  }

  bucket(key: string): Bucket | undefined {
    return this.buckets.get(key)
  }

  /**
   * The bucket of `key`, made (full) if it has none. A hot path keeps it on its own per-session
   * object and so skips the map lookup on every frame; it must fetch it again once `live` is
   * false, or it would spend from a bucket nobody else sees.
   */
  handle(key: string, now: number): Bucket {
    let b = this.buckets.get(key)
    if (!b) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now)
      this.buckets.set(key, (b = { tokens: this.spec.capacity, at: now, live: true }))
    }
    return b
  }

  /** Leaves `tokens` in the bucket of `key` (`b`: that bucket, if it exists). */
  put(key: string, b: Bucket | undefined, tokens: number, now: number) {
    if (b) {
      b.tokens = tokens
      b.at = now
      return
    }
    if (this.buckets.size >= this.sweepAt) this.sweep(now)
    this.buckets.set(key, { tokens, at: now, live: true })
  }

  wait(key: string, now: number, cost = 1): number {
    return this.waitFor(this.level(this.buckets.get(key), now), cost)
  }

  spend(key: string, now: number, cost = 1) {
    const b = this.buckets.get(key)
    this.put(key, b, this.level(b, now) - cost, now)
  }

  take(key: string, now: number, cost = 1): number {
    const b = this.buckets.get(key)
    const have = this.level(b, now)
    const w = this.waitFor(have, cost)
    if (w === 0) this.put(key, b, have - cost, now)
    return w
  }

  // Amortised O(1): a sweep runs only when the map has doubled since the last one.
  private sweep(now: number) {
    const { buckets } = this
    for (const [k, b] of buckets) {
      if (this.level(b, now) < this.spec.capacity) continue
      b.live = false
      buckets.delete(k)
    }
    // Still too many live keys: forget the oldest (they regain a full bucket, nothing worse).
    if (buckets.size > this.maxKeys) {
      let drop = buckets.size - this.maxKeys
      for (const [k, b] of buckets) {
        if (drop-- <= 0) break
        b.live = false
        buckets.delete(k)
      }
    }
    this.sweepAt = Math.max(this.minSweep, buckets.size * 2)
  }
}

export function createRateLimiter(spec: BucketSpec, opts: { maxKeys?: number; minSweep?: number } = {}): TokenBuckets {
  return new TokenBuckets(spec, opts.maxKeys ?? 100_000, opts.minSweep ?? 1024)
}

/**
 * Spends `cost` from bucket `ka` of `x` and bucket `kb` of `y` only when both have it; else the
 * longer wait, nothing spent. One map lookup per bucket, where wait-then-spend made two.
 */
export function takeBoth(x: TokenBuckets, ka: string, y: TokenBuckets, kb: string, now: number, cost = 1): number {
  return takeFrom(x, ka, x.bucket(ka), y, kb, y.bucket(kb), now, cost)
}

/** takeBoth with the buckets already in hand (live handles, or undefined for none yet). */
export function takeFrom(x: TokenBuckets, ka: string, bx: Bucket | undefined, y: TokenBuckets, kb: string, by: Bucket | undefined, now: number, cost = 1): number {
  const hx = x.level(bx, now)
  const hy = y.level(by, now)
  const w = Math.max(x.waitFor(hx, cost), y.waitFor(hy, cost))
  if (w === 0) {
    x.put(ka, bx, hx - cost, now)
    y.put(kb, by, hy - cost, now)
  }
  return w
}
