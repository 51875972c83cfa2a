// Counts the interests used in `find` over a rolling window (hourly buckets, last 24 h), for the
// `interests.popular` suggestions. It counts people, not sessions: distinct address hashes per
// interest over the whole window, so three sockets (or three hours) of one address count once and
// what one person types is never advertised to strangers, nor usable as an oracle for whether
// someone typed a guessed word. Junk is kept from crowding real interests out: one address adds at
// most POPULAR_PER_ADDRESS_HOUR names an hour, and a full bucket makes room by dropping a name only
// one address used, never one several people share.
//
// Per language too: a find that states languages also counts under each of them, so
// the suggestions a Spanish speaker sees are what Spanish speakers typed, by the same rules (each
// language is a scope of its own: its own distinct addresses, its own per-address budget). The
// scopes share one bucket's name table, so the memory bound does not grow with languages.
//
// In memory on one node (a hint, not a record); cluster/redis-popular.ts shares it across nodes.
export const BUCKET_MS = 3_600_000
export const BUCKETS = 24
export const MAX_NAMES_PER_BUCKET = 5000
/** Addresses remembered per name and hour; past it the count goes on without the set (the threshold decision is always exact). */
const MAX_ADDRESSES_PER_NAME = 256

export interface PopularInterests {
  /** `ipHash` used `interests` in a find stating `languages` (fire and forget). */
  record(ipHash: string, interests: readonly string[], languages?: readonly string[]): void
  /** The most used (by finds stating `language`, when given), only those used by at least `minCount` distinct addresses. */
  top(limit: number, minCount?: number, language?: string): Promise<Array<{ name: string; count: number }>>
}

/** The scopes a find counts in: every find, then each language it states. */
export const popularScopes = (languages: readonly string[] = []): string[] => ['', ...languages]
/** A name within a scope (a language subtag, or '' for all); NUL never survives interest normalisation. */
const scoped = (scope: string, name: string) => (scope ? `${scope}\u0000${name}` : name)

interface Bucket {
  /** name → addresses that used it this hour (null once past MAX_ADDRESSES_PER_NAME) and how many. */
  names: Map<string, { ips: Set<string> | null; n: number }>
  /** address → names it added this hour (its budget). */
  byIp: Map<string, Set<string>>
}

export const rankPopular = (totals: Iterable<[string, number]>, limit: number, minCount: number) =>
  [...totals]
    .filter(([, count]) => count >= minCount)
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .slice(0, limit)
    .map(([name, count]) => ({ name, count }))

export function createPopularInterests(opts: { perAddressHour?: number; now?: () => number } = {}): PopularInterests {
  const now = opts.now ?? Date.now
  const perAddress = opts.perAddressHour ?? 10
  const buckets = new Map<number, Bucket>()
  const current = () => {
    const id = Math.floor(now() / BUCKET_MS)
    let b = buckets.get(id)
    if (!b) {
      buckets.set(id, (b = { names: new Map(), byIp: new Map() }))
      for (const k of buckets.keys()) if (k <= id - BUCKETS) buckets.delete(k)
    }
    return b
  }
  /** Room for a new name in a full bucket: drop one name a single address used. */
  function makeRoom(b: Bucket): boolean {
    for (const [name, e] of b.names) {
      if (e.n > 1) continue
      b.names.delete(name)
      return true
    }
    return false
  }
  function recordIn(scope: string, ipHash: string, interests: readonly string[]) {
    const b = current()
    const budgetKey = scoped(scope, ipHash)
    let mine = b.byIp.get(budgetKey)
    for (const plain of interests) {
      const i = scoped(scope, plain)
      if (mine?.has(i)) continue
      if ((mine?.size ?? 0) >= perAddress) break
      let e = b.names.get(i)
      if (!e) {
        if (b.names.size >= MAX_NAMES_PER_BUCKET && !makeRoom(b)) continue
        b.names.set(i, (e = { ips: new Set(), n: 0 }))
      }
      if (!mine) b.byIp.set(budgetKey, (mine = new Set()))
      mine.add(i)
      e.n++
      if (e.ips) {
        e.ips.add(ipHash)
        if (e.ips.size > MAX_ADDRESSES_PER_NAME) e.ips = null
      }
    }
  }
  return {
    record(ipHash, interests, languages) {
      for (const scope of popularScopes(languages)) recordIn(scope, ipHash, interests)
    },
    async top(limit, minCount = 1, language = '') {
      current()
      const prefix = language ? scoped(language, '') : ''
      const inScope = (name: string) => (prefix ? name.startsWith(prefix) : !name.includes('\u0000'))
      const ips = new Map<string, Set<string>>()
      const extra = new Map<string, number>()
      for (const b of buckets.values()) {
        for (const [key, e] of b.names) {
          if (!inScope(key)) continue
          const name = key.slice(prefix.length)
          if (e.ips) {
            let u = ips.get(name)
            if (!u) ips.set(name, (u = new Set()))
            for (const ip of e.ips) u.add(ip)
          } else extra.set(name, (extra.get(name) ?? 0) + e.n)
        }
      }
      const totals = new Map<string, number>()
      for (const [name, u] of ips) totals.set(name, u.size)
      for (const [name, n] of extra) totals.set(name, (totals.get(name) ?? 0) + n)
      return rankPopular(totals, limit, minCount)
    },
  }
}
