// The matchmaker's port: one global queue of waiting sessions. On one node it is process memory
// (chat/matchmaker.ts); on several it is Redis (cluster/redis-match-queue.ts), where a Lua script
// takes a partner or adds the waiter atomically, so two nodes racing for one waiter never both win.
//
// Rules, the same behind every implementation:
//  1. a stranger sharing an interest, languages permitting (rule 7), longest-waiting first;
//  2. if both allow it, a random stranger (no shared interest), longest-waiting first, when:
//     a. one of the two has no interests: paired at once with any stranger who allows random,
//        whether that one has interests or not (nothing is gained by making
//        an "anyone will do" waiter wait; a waiter with interests is offered to it as soon as
//        nobody sharing an interest is waiting, which is whenever it is still waiting, so shared
//        interests still win: rule 1 is always tried first, by both sides); or
//     b. both have interests and both are "random-ready" (after the fallback delay);
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
//     chat starts without a session lookup;
//  7. languages, checked in one function per queue (`languagesMeet`): two waiters who
//     both state languages meet only if they share one; a waiter who states none meets anyone.
//     Rules 1 and 2 both keep it. A waiter with `anyLanguage` has it dropped once its fallback
//     delay passed with nobody found, and then meets, across languages, a stranger whose rule is
//     dropped too (or who states none): both agreed to it. Order for such a waiter: rule 1 then 2
//     within a shared language first, then rule 1 then 2 across languages. `Match.languages` is
//     the shared ones, in the longest-waiting side's order (empty when one states none or the
//     pair is across languages).
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
  /** Primary language subtags, normalised (lower case, no duplicates); absent/empty = any (rule 7). */
  languages?: readonly string[]
  /** Rule 7: the language rule is dropped once the fallback delay passed with nobody found. */
  anyLanguage?: boolean
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
  /** The languages both stated (rule 7); empty when one stated none or they met across languages. */
  languages: string[]
  /** True when both sides are video finders (rule 4); absent for a text chat. */
  video?: true
}

/** Given when a queue is made: where its pairs and fallbacks are reported. */
export interface MatchEvents {
  /** A pair was made by a call or timer on this node; the two sessions may live on any node. */
  onMatch(m: Match): void
  /** A waiter enqueued on this node passed its fallback delay without a partner (random-ready
   *  and/or its language rule dropped): the client may show it. */
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
