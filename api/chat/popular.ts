// Counts interests used in `find` over a rolling window (hourly buckets, last 24 h), for the
// `interests.popular` suggestions. In memory: it is a hint, not a record. The hub records each
// interest once per session, so a count is a number of people.
const BUCKET_MS = 3_600_000
const BUCKETS = 24
const MAX_NAMES_PER_BUCKET = 5000

export interface PopularInterests {
  record(interests: readonly string[]): void
  /** The most used, only those with at least `minCount` uses. */
  top(limit: number, minCount?: number): Array<{ name: string; count: number }>
}

export function createPopularInterests(now: () => number = Date.now): PopularInterests {
  const buckets = new Map<number, Map<string, number>>()
  const current = () => {
    const id = Math.floor(now() / BUCKET_MS)
    let b = buckets.get(id)
    if (!b) {
      buckets.set(id, (b = new Map()))
      for (const k of buckets.keys()) if (k <= id - BUCKETS) buckets.delete(k)
    }
    return b
  }
  return {
    record(interests) {
      const b = current()
      for (const i of interests) {
        if (!b.has(i) && b.size >= MAX_NAMES_PER_BUCKET) continue
        b.set(i, (b.get(i) ?? 0) + 1)
      }
    },
    top(limit, minCount = 1) {
      current()
      const total = new Map<string, number>()
      for (const b of buckets.values()) for (const [k, v] of b) total.set(k, (total.get(k) ?? 0) + v)
      return [...total]
        .filter(([, count]) => count >= minCount)
        .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
        .slice(0, limit)
        .map(([name, count]) => ({ name, count }))
    },
  }
}
