// Gives memory back after a wave of sessions has gone. Sessions live for minutes (a chat, then
// the resume window), so by the time they expire they sit in JSC's old generation, which only a
// full collection frees. Bun runs one on its own only when the program has been quiet for ~10 s
// and then again after ~2 minutes; a wave of expiries that lands between the two (60 s resume
// window after the load stops) stays in RSS until the second, and when load returns first, the
// allocation-driven collections are mostly eden ones and the old garbage piles up cycle after
// cycle (tests/bench/soak.ts shows it). The app knows when it let go of a lot: then it
// runs the full collection itself. Its pause is proportional to what is still live, and it only
// runs when at least as much has just become garbage, at most once per interval.

export interface ReclaimPolicy {
  /** Sessions that must have gone since the peak; 0 = never. */
  minDrop: number
  /** At least this long between two forced collections. */
  minIntervalMs: number
}

/**
 * Pure decision: fed successive counts of long-lived things held, says when a full collection
 * pays: the count fell by at least `minDrop` and by at least half of its peak since the last one.
 */
export function createReclaimDecider(policy: ReclaimPolicy) {
  let peak = 0
  let lastAt = -Infinity
  return {
    observe(held: number, now: number): boolean {
      if (held > peak) peak = held
      const dropped = peak - held
      if (policy.minDrop <= 0 || dropped < policy.minDrop || dropped * 2 < peak) return false
      if (now - lastAt < policy.minIntervalMs) return false
      lastAt = now
      peak = held
      return true
    },
  }
}

export interface ReclaimerDeps {
  policy: ReclaimPolicy
  /** How many long-lived things the app holds now (the hub's sessions). */
  held: () => number
  onReclaim?: (r: { held: number; ms: number; heapBefore: number; heapAfter: number; rssBefore: number; rssAfter: number }) => void
  /** How often `held` is read (default 1 s). */
  checkEveryMs?: number
  /** A synchronous full collection; Bun.gc(false) would only run an eden one. */
  collect?: () => void
  now?: () => number
}

export function startMemoryReclaimer(deps: ReclaimerDeps): { stop(): void } {
  const decide = createReclaimDecider(deps.policy)
  const collect = deps.collect ?? (() => Bun.gc(true))
  const now = deps.now ?? Date.now
  if (deps.policy.minDrop <= 0) return { stop() {} }
  const timer = setInterval(() => {
    const held = deps.held()
    if (!decide.observe(held, now())) return
    const heapBefore = process.memoryUsage().heapUsed
    const rssBefore = process.memoryUsage.rss()
    const t0 = performance.now()
    collect()
    const ms = performance.now() - t0
    deps.onReclaim?.({ held, ms, heapBefore, heapAfter: process.memoryUsage().heapUsed, rssBefore, rssAfter: process.memoryUsage.rss() })
  }, deps.checkEveryMs ?? 1000)
  timer.unref?.()
  return { stop: () => clearInterval(timer) }
}
