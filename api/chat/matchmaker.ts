// Pairs waiting sessions. Waiters are indexed by interest, so enqueueing and matching cost grows
// with the number of interests a waiter has, not with the number of waiters. Insertion-ordered
// Sets keep each index in waiting order, so the first eligible entry is the longest waiting.
//
// The rules are the queue port's (api/chat/ports/match-queue.ts): shared interest first, then a
// random stranger (at once when either side has no interests, else once both passed the fallback
// delay), never across a cool-down, and languages checked by `languagesMeet` alone.

import { sharedLanguages } from './languages'

export interface WaiterSpec {
  id: string
  interests: readonly string[]
  random: boolean
  languages?: readonly string[]
  anyLanguage?: boolean
}

export interface Match {
  a: string
  b: string
  common: string[]
  /** True when paired by the random fallback rather than by a shared interest. */
  random: boolean
  /** The languages both stated (empty when one stated none, or across languages). */
  languages: string[]
}

/** The matchmaker's queue seam: in-process today, a broker-backed one could sit behind it. */
export interface MatchQueue {
  enqueue(w: WaiterSpec): void
  remove(id: string): boolean
  has(id: string): boolean
  readonly size: number
  /** How many waiters have n interests, for metrics. */
  countsByInterestCount(): Map<number, number>
  close(): void
}

export interface MatchmakerOptions {
  fallbackMs: number
  /** Until when (ms epoch) a and b may not be paired again; 0 or past = free. */
  cooldownUntil(a: string, b: string): number
  onMatch(m: Match): void
  /** Told when a waiter becomes random-ready without a partner (the client may show it). */
  onFallback?(id: string): void
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (t: unknown) => void
}

interface Waiter extends WaiterSpec {
  languages: readonly string[]
  anyLanguage: boolean
  /** anyLanguage and the fallback delay passed: meets other languages whose rule is dropped too. */
  languageFree: boolean
  enqueuedAt: number
  /** Arrival order: two enqueued within one millisecond still have a longest waiting. */
  order: number
  randomReady: boolean
  timer: unknown
}

export function createMatchmaker(opts: MatchmakerOptions): MatchQueue {
  let arrivals = 0
  const now = opts.now ?? Date.now
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
  const clearTimer = opts.clearTimer ?? (t => clearTimeout(t as ReturnType<typeof setTimeout>))

  const waiters = new Map<string, Waiter>()
  const byInterest = new Map<string, Set<Waiter>>()
  const randomReady = new Set<Waiter>()
  /** Every waiter allowing random strangers: a newcomer with no interests may take any of them. */
  const randomAll = new Set<Waiter>()
  /** Waiters with no interests allowing random: a newcomer with interests may take them at once. */
  const noInterest = new Set<Waiter>()

  /** Earliest time a blocked candidate frees up, so we can retry then. */
  let blockedUntil = 0
  const eligible = (w: Waiter, c: Waiter, t: number): boolean => {
    if (c === w) return false
    const until = opts.cooldownUntil(w.id, c.id)
    if (until > t) {
      blockedUntil = blockedUntil === 0 ? until : Math.min(blockedUntil, until)
      return false
    }
    return true
  }

  /**
   * The language rule (port rule 7), the only place it is decided: both state languages → they
   * share one, unless `across` (a second pass for a waiter whose rule was dropped) and the
   * candidate's rule is dropped too.
   */
  function languagesMeet(w: Waiter, c: Waiter, across: boolean): boolean {
    if (w.languages.length === 0 || c.languages.length === 0) return true
    for (const l of w.languages) if (c.languages.includes(l)) return true
    return across && w.languageFree && c.languageFree
  }

  function findByInterest(w: Waiter, t: number, across: boolean): Waiter | undefined {
    let best: Waiter | undefined
    for (const i of w.interests) {
      const set = byInterest.get(i)
      if (!set) continue
      for (const c of set) {
        if (!languagesMeet(w, c, across) || !eligible(w, c, t)) continue
        if (!best || c.order < best.order) best = c
        break // the first eligible in a set is its longest waiting
      }
    }
    return best
  }

  /** Port rule 2: a newcomer with no interests takes anyone allowing random; one with interests
   *  takes those with none at once, and the random-ready once it is random-ready itself. */
  function findRandom(w: Waiter, t: number, across: boolean): Waiter | undefined {
    if (!w.random) return undefined
    const candidates = w.interests.length === 0 ? randomAll : w.randomReady ? randomReady : noInterest
    for (const c of candidates) if (languagesMeet(w, c, across) && eligible(w, c, t)) return c
    return undefined
  }

  /** Within a shared language first (interest, then random); across languages only after. */
  function find(w: Waiter, t: number): Waiter | undefined {
    return findByInterest(w, t, false) ?? findRandom(w, t, false) ?? (w.languageFree ? (findByInterest(w, t, true) ?? findRandom(w, t, true)) : undefined)
  }

  function indexInterests(w: Waiter) {
    for (const i of w.interests) {
      let set = byInterest.get(i)
      if (!set) byInterest.set(i, (set = new Set()))
      set.add(w)
    }
    if (w.random) randomAll.add(w)
    if (w.random && w.interests.length === 0) noInterest.add(w)
  }

  function unindex(w: Waiter) {
    for (const i of w.interests) {
      const set = byInterest.get(i)
      if (!set) continue
      set.delete(w)
      if (set.size === 0) byInterest.delete(i)
    }
    randomReady.delete(w)
    randomAll.delete(w)
    noInterest.delete(w)
    if (w.timer !== null) clearTimer(w.timer)
    w.timer = null
  }

  function pair(w: Waiter, c: Waiter) {
    unindex(c)
    unindex(w)
    waiters.delete(c.id)
    waiters.delete(w.id)
    const mine = new Set(w.interests)
    const common = c.interests.filter(i => mine.has(i))
    // The longest-waiting side is `a`, so callers can treat it as the one who was waiting.
    opts.onMatch({ a: c.id, b: w.id, common, random: common.length === 0, languages: sharedLanguages(c.languages, w.languages) })
  }

  /**
   * Try to pair w now; if nobody fits, leave it waiting and set one timer for the next moment
   * that could change that (its random fallback, or the end of a cool-down that blocked it).
   * A waiter is indexed once, on enqueue: re-indexing would move it to the back of its interest
   * queues and cost it its place as the longest waiting.
   */
  function attempt(w: Waiter, indexed: boolean) {
    const t = now()
    blockedUntil = 0
    const c = find(w, t)
    if (c) return pair(w, c)
    if (!indexed) indexInterests(w)
    if (w.randomReady) randomReady.add(w)
    let at = Infinity
    if ((w.random && !w.randomReady) || (w.anyLanguage && !w.languageFree)) at = w.enqueuedAt + opts.fallbackMs
    if (blockedUntil > t) at = Math.min(at, blockedUntil + 1)
    if (at !== Infinity) w.timer = setTimer(() => wake(w), Math.max(0, at - t))
  }

  function wake(w: Waiter) {
    w.timer = null
    if (waiters.get(w.id) !== w) return
    const passed = now() >= w.enqueuedAt + opts.fallbackMs
    const becameReady = passed && w.random && !w.randomReady
    const becameFree = passed && w.anyLanguage && !w.languageFree
    if (becameReady) w.randomReady = true
    if (becameFree) w.languageFree = true
    attempt(w, true)
    // Only worth telling the client when the fallback did not pair it straight away.
    if ((becameReady || becameFree) && waiters.get(w.id) === w) opts.onFallback?.(w.id)
  }

  return {
    enqueue(spec) {
      const old = waiters.get(spec.id)
      if (old) {
        unindex(old)
        waiters.delete(spec.id)
      }
      const w: Waiter = {
        id: spec.id,
        interests: [...spec.interests],
        random: spec.random,
        languages: [...(spec.languages ?? [])],
        anyLanguage: spec.anyLanguage === true,
        languageFree: spec.anyLanguage === true && opts.fallbackMs === 0,
        enqueuedAt: now(),
        order: ++arrivals,
        randomReady: spec.random && (spec.interests.length === 0 || opts.fallbackMs === 0),
        timer: null,
      }
      waiters.set(w.id, w)
      attempt(w, false)
    },
    remove(id) {
      const w = waiters.get(id)
      if (!w) return false
      unindex(w)
      waiters.delete(id)
      return true
    },
    has: id => waiters.has(id),
    get size() {
      return waiters.size
    },
    countsByInterestCount() {
      const m = new Map<number, number>()
      for (const w of waiters.values()) m.set(w.interests.length, (m.get(w.interests.length) ?? 0) + 1)
      return m
    },
    close() {
      for (const w of waiters.values()) unindex(w)
      waiters.clear()
    },
  }
}
