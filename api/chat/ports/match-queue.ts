// The matchmaker's port: one global queue of waiting sessions. On one node it is process memory
// (chat/matchmaker.ts); on several it is Redis (cluster/redis-match-queue.ts), where a Lua script
// takes a partner or adds the waiter atomically, so two nodes racing for one waiter never both win.
//
// Rules, the same behind every implementation:
//  1. a stranger sharing an interest, longest-waiting first;
//  2. if both allow it, any stranger once both are "random-ready": a waiter with no interests is
//     ready at once, one with interests after the fallback delay;
//  3. never two waiters with a cool-down between them (their session ids, or their address hashes:
//     the same mechanism keeps re-pairs apart and blocked strangers apart); a retry is scheduled for
//     when a cool-down that blocked a waiter ends;
//  4. only waiters of the same pool meet (`pool` defaults to 'main'; safety puts some in others);
//     and only video finders with video finders, text finders with text finders (`video`): within
//     its pool a video waiter lives in a pool of its own, under rules 1–3 and 5–6 unchanged; the
//     Match says `video` so the chat starts as a video chat;
//  5. one pair per waiter: two nodes racing for one waiter never both win, and a waiter paired or
//     removed is never reported again by a timer of its earlier entry;
//  6. every `onMatch` carries both sides' address hashes (as given in WaiterSpec.ipHash), so the
//     chat starts without a session lookup.
//
// Every method that talks to the queue is async and may reject when a shared queue (Redis) is
// away; callers handle each call where they make it, never leave it floating: `enqueue` → the
// waiter is taken out of `queued` and told `unavailable` (retry in a few seconds); `remove` →
// ignored (the entry dies with its owner's heartbeat or is replaced by the next enqueue);
// `cooldown` → logged (a missed re-pair cool-down only lets two meet sooner; a missed block is
// logged as an error); `size` → metrics read it best-effort. `close` is synchronous.

export interface WaiterSpec {
  id: string
  interests: readonly string[]
  random: boolean
  /** Address hash: cool-downs between address hashes apply as between sessions. */
  ipHash: string
  pool?: string
  /** A video finder (default false): meets only other video finders (rule 4). */
  video?: boolean
}

export interface Match {
  /** The longest-waiting side. */
  a: string
  b: string
  /** The address hashes the two gave when they enqueued (`WaiterSpec.ipHash`): a chat needs them, so no lookup per match. */
  aIpHash: string
  bIpHash: string
  common: string[]
  /** True when paired by the random fallback rather than by a shared interest. */
  random: boolean
  /** True when both sides are video finders (rule 4); absent for a text chat. */
  video?: true
}

/** Given when a queue is made: where its pairs and fallbacks are reported. */
export interface MatchEvents {
  /** A pair was made by a call or timer on this node; the two sessions may live on any node. */
  onMatch(m: Match): void
  /** A waiter enqueued on this node became random-ready without a partner (the client may show it). */
  onFallback?(id: string): void
}

export interface MatchQueue {
  /** Joins the queue (replacing an earlier entry of the same id), or pairs at once (onMatch). */
  enqueue(w: WaiterSpec): Promise<void>
  /** Leaves the queue; false when it was not waiting. */
  remove(id: string): Promise<boolean>
  /** `a` and `b` (session ids or address hashes) are not paired before `untilMs` (ms epoch). */
  cooldown(a: string, b: string, untilMs: number): Promise<void>
  /** How many are waiting (all nodes). */
  size(): Promise<number>
  /** Stops timers; entries made by this node are dropped. */
  close(): void
}
