// The in-process MatchQueue (one node): the matchmaker engine (matchmaker.ts) behind the async
// port, plus the cool-downs it consults. One engine per pool, so pools never meet; video finders
// have an engine of their own in each pool (the one place rule 4 of the port is kept here).
import type { MatchEvents, MatchQueue, WaiterSpec } from './ports/match-queue'
import { createMatchmaker, type MatchQueue as Engine } from './matchmaker'

export interface LocalMatchQueue extends MatchQueue {
  /** Exact count, synchronously (metrics and tests on one node). */
  readonly waiting: number
  countsByInterestCount(): Map<number, number>
}

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`)
/** The engine a waiter joins: its pool, and within it video and text finders apart. */
const engineKey = (w: WaiterSpec) => `${w.pool ?? 'main'}${w.video ? '\u0000video' : ''}`
/** Cool-downs are pruned when the map grows past this, so it never holds more than the live ones. */
const PRUNE_AT = 4096

export function createLocalMatchQueue(opts: { fallbackMs: number; events: MatchEvents; now?: () => number }): LocalMatchQueue {
  const now = opts.now ?? Date.now
  const cooldowns = new Map<string, number>()
  const ipOf = new Map<string, string>()
  const pools = new Map<string, Engine>()
  const poolOf = new Map<string, string>()
  let nextPrune = PRUNE_AT

  const until = (a: string, b: string) => cooldowns.get(pairKey(a, b)) ?? 0
  function engine(pool: string, video: boolean): Engine {
    let e = pools.get(pool)
    if (!e) {
      e = createMatchmaker({
        fallbackMs: opts.fallbackMs,
        now,
        cooldownUntil(a, b) {
          const ia = ipOf.get(a)
          const ib = ipOf.get(b)
          return Math.max(until(a, b), ia && ib ? until(`ip:${ia}`, `ip:${ib}`) : 0)
        },
        onMatch(m) {
          const match = { ...m, aIpHash: ipOf.get(m.a) ?? '', bIpHash: ipOf.get(m.b) ?? '', ...(video && { video: true as const }) }
          forget(m.a)
          forget(m.b)
          opts.events.onMatch(match)
        },
        onFallback: id => opts.events.onFallback?.(id),
      })
      pools.set(pool, e)
    }
    return e
  }
  function forget(id: string) {
    ipOf.delete(id)
    poolOf.delete(id)
  }
  function removeSync(id: string): boolean {
    const pool = poolOf.get(id)
    if (pool === undefined) return false
    forget(id)
    return pools.get(pool)?.remove(id) ?? false
  }

  return {
    async enqueue(w: WaiterSpec) {
      removeSync(w.id)
      const pool = engineKey(w)
      ipOf.set(w.id, w.ipHash)
      poolOf.set(w.id, pool)
      engine(pool, w.video === true).enqueue(w)
    },
    async remove(id) {
      return removeSync(id)
    },
    async cooldown(a, b, untilMs) {
      // A later, shorter cool-down never shortens a longer one (a block outlasts a re-pair pause).
      const k = pairKey(a, b)
      cooldowns.set(k, Math.max(cooldowns.get(k) ?? 0, untilMs))
      if (cooldowns.size >= nextPrune) {
        const t = now()
        for (const [k, u] of cooldowns) if (u <= t) cooldowns.delete(k)
        nextPrune = Math.max(PRUNE_AT, cooldowns.size * 2)
      }
    },
    async size() {
      return poolOf.size
    },
    get waiting() {
      return poolOf.size
    },
    countsByInterestCount() {
      const m = new Map<number, number>()
      for (const e of pools.values()) for (const [n, c] of e.countsByInterestCount()) m.set(n, (m.get(n) ?? 0) + c)
      return m
    },
    close() {
      for (const e of pools.values()) e.close()
      pools.clear()
      poolOf.clear()
      ipOf.clear()
    },
  }
}
