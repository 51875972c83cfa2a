// Strikes: how many of an address's images the screen flagged lately. One cache counter per IP
// hash, created with a TTL of the window (so the window runs from the first flag, and memcached
// shares it across processes). Only real verdicts count: an image flagged because it could not
// be screened in time is no strike. The quarantine of repeat uploaders reads flagCount().
import type { Cache } from '../cache/cache'

export interface ScreenStrikes {
  /** One more flagged image from `ipHash`; the new count, or null when the cache failed. */
  record(ipHash: string): Promise<number | null>
  /** Flagged images from `ipHash` within the window (0 when none, or when the cache failed). */
  flagCount(ipHash: string): Promise<number>
}

const key = (ipHash: string) => `screen-strikes:${ipHash}`

export function createScreenStrikes(cache: Cache, windowSeconds: number): ScreenStrikes {
  return {
    record: ipHash => cache.incr(key(ipHash), 1, windowSeconds),
    async flagCount(ipHash) {
      const v = await cache.get(key(ipHash))
      const n = v === null ? 0 : Number.parseInt(v, 10)
      return Number.isFinite(n) ? n : 0
    },
  }
}
