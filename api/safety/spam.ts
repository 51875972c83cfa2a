// Spam heuristics on texts, by time since the match: every text of a chat's first
// SPAM_SCREEN_SECONDS is screened (chat-rules hands them over; later texts take the relay's hot
// path untouched), and of those only texts that pass a cheap pre-filter cost a cache call:
//  - repeat: the same text (its skeleton, ≥ MIN_REPEAT_CHARS letters and digits) sent to more
//    than SPAM_REPEAT_STRANGERS distinct strangers within SPAM_REPEAT_WINDOW_SECONDS, per address.
//    Counted by the hashes of both halves, so one swapped letter does not make a new message;
//  - early link: a link, contact handle or phone number within SPAM_LINK_GRACE_SECONDS of the
//    match from an address first seen less than NEW_ADDRESS_MS ago, also when it is split over the
//    last few texts ("evil." then "com").
// Rules match the text's skeleton (skeleton.ts): look-alike letters, fullwidth forms, zero-width
// characters, "dot", "[.]", "hxxp" and spaced-out letters are read as what a person reads.
// Both counters live in the cache, so they hold across nodes.
import TLDS from 'tlds'
import type { Cache } from '../cache/cache'
import type { Config } from '../config'
import type { TextContext } from '../chat/guard'
import { compact, fold, lettersAndDigits, skeleton } from './skeleton'

/** Shorter texts ("hi", "m or f?") are what everyone sends; only longer ones can be a campaign. */
export const MIN_REPEAT_CHARS = 16
/** An address is "new" for this long after its first session. */
export const NEW_ADDRESS_MS = 24 * 3600_000
/** How many earlier texts of a chat a split link or handle is looked for in (spaced-out words over several texts). */
export const SPLIT_TEXTS = 8
/** Of those, how many are joined with spaces ("add me on" + "snap"). */
const SPLIT_WORDS = 3
/** Texts longer than this are not pieces of a split link or handle. */
const SPLIT_PIECE_MAX = 40
/** The most sessions whose recent texts are kept for the split check (each for the grace only). */
const SPLIT_SESSIONS_MAX = 20_000

export type SpamConfig = Pick<Config, 'spamRepeatStrangers' | 'spamRepeatWindowSeconds' | 'spamLinkGraceSeconds' | 'spamScreenSeconds'>

/** Lower case, letters and digits only: "Visit MY page!!" and "visit my page" are the same text. */
export function normaliseForRepeat(body: string): string {
  return lettersAndDigits(skeleton(body))
}

// Every delegated TLD (IANA's list, kept by the `tlds` package, Unicode ones included), in
// skeleton form so that a look-alike TLD meets its own; .onion and .i2p are not delegated but
// are links all the same. Punycode (xn--) labels are taken as TLDs whatever follows.
const TLD = new Set([...(TLDS as string[]), 'onion', 'i2p'].map(skeleton))
const DOMAIN = /(?<![\p{L}\p{N}_.-])[\p{L}\p{N}][\p{L}\p{N}_-]*(?:\.[\p{L}\p{N}_-]+)*\.([\p{L}\p{N}-]{2,63})(?![\p{L}\p{N}])/gu
const SCHEME = /\b(?:https?|ftp):\/\/|\bwww\./
// Messenger names nobody writes by accident, as words or hidden in run-together letters.
const NAMES = /\b(?:snapchat|instagram|telegram|whatsapp|discord|onlyfans|fansly|kik|wickr|skype|viber|threema|wechat|kakaotalk|snapcode)\b/
const LEET_CHAR = /[a-z][0-9$@]|[0-9$@][a-z]/
const NAMES_SPLIT = /snap[^a-z]+chat|insta[^a-z]+gram|tele[^a-z]+gram|whats[^a-z]+app|only[^a-z]+fans|dis[^a-z]+cord/
const NAMES_RUN = /snapchat|instagram|telegram|whatsapp|onlyfans|discord|wickr/
// Short aliases are ordinary words too ("sc", "dc", "line"): only with a handle marker, a
// possessive or an "add me on" before them.
const A = '(?:ig|insta|sc|snap|tg|tele|wa|whats|dc|disc|kik|fb|tiktok|tt|signal|line|threads)'
const ALIAS_MARK = `\\b${A}\\s*[:=>@]+\\s*[a-z0-9_.+]`
const ALIAS_ADD = `\\b(?:add|hmu|dm|text|msg|message|follow|find|reach|hit|ping|call|write)\\s+(?:me\\s+)?(?:up\\s+)?(?:on|at|in|via|@)\\s+${A}\\b`
const ALIAS_MY = '\\b(?:my|mi|mein|meu|mon|moj|moi)\\s+(?:ig|insta|sc|snap|tg|wa|dc|kik|tiktok|signal)\\b'
const ALIAS_HANDLE = '\\b(?:ig|insta|sc|snap|tg|kik)\\s+@?(?=[a-z0-9_.]*[a-z])(?=[a-z0-9_.]*[0-9_])[a-z0-9_.]{3,}'
// One regex for every handle rule: one pass over the text instead of one per rule.
const HANDLE = new RegExp([NAMES.source, ALIAS_MARK, ALIAS_ADD, ALIAS_MY, ALIAS_HANDLE].join('|'))
const AT_HANDLE = /(?:^|[\s:(,;])@[\p{L}\p{N}_.]{3,}/u
// A run of digits with the separators phone numbers are written with: +44 20 7946 0958,
// (555) 123-4567, 0049-170-1234567, 555.123.4567.
const PHONE = /(\+|\b00)?\(?\d(?:[\s.\-/()]{0,2}\d){7,15}/g

/** What kind of contact `folded` (a folded skeleton) carries, or null. */
export function contactIn(folded: string): 'link' | 'handle' | 'phone' | null {
  if (SCHEME.test(folded)) return 'link'
  if (folded.includes('.')) {
    DOMAIN.lastIndex = 0
    for (let m = DOMAIN.exec(folded); m; m = DOMAIN.exec(folded)) {
      const tld = m[1]!
      if (TLD.has(tld) || tld.startsWith('xn--')) return 'link'
    }
  }
  if (HANDLE.test(folded)) return 'handle'
  if (folded.includes('@') && AT_HANDLE.test(folded)) return 'handle'
  // A name in two pieces ("snap chat"), or in letters and digits ("sn4pch4t").
  if (LEET_CHAR.test(folded) ? NAMES_RUN.test(compact(folded)) : NAMES_SPLIT.test(folded)) return 'handle'
  PHONE.lastIndex = 0
  for (let m = PHONE.exec(folded); m; m = PHONE.exec(folded)) {
    let digits = 0
    for (const c of m[0]) if (c >= '0' && c <= '9') digits++
    if (digits >= 10 || (m[1] && digits >= 8)) return 'phone'
  }
  return null
}

/** A link, contact handle or phone number in `body`, however it is spelled. */
export const looksLikeLinkOrHandle = (body: string) => contactIn(fold(skeleton(body))) !== null

/**
 * Two keys for a text from an address: its halves (and their length), so a text with one letter
 * changed still shares one. 32-bit hashes seeded with the address: keys live minutes, and a
 * collision only merges two counts of one address.
 */
function repeatKeys(ipHash: string, norm: string): [number, number] {
  const h = norm.length >> 1
  const seed = Bun.hash.xxHash32(ipHash, h)
  return [Bun.hash.xxHash32(norm.slice(0, h), seed), Bun.hash.xxHash32(norm.slice(norm.length - h), seed ^ 0x9e3779b9)]
}

export interface SpamFilter {
  /**
   * null when the text is fine, or a reason when it is spam. Synchronous null for almost every
   * text; a promise only for texts past the pre-filter.
   */
  check(ctx: TextContext, body: string, at: number): null | Promise<string | null>
  /** Remembers when an address was first seen (called for each new session). */
  seen(ipHash: string, at: number): void
  /** How long after the match a chat's texts are screened (ms). */
  readonly screenMs: number
}

/** A repeat key to count in the cache, and the stranger of its first sighting when not counted yet. */
interface CountPlan {
  k: number
  earlier: string | null
}

/** The most texts the repeat rule's first stage remembers on one node (then it starts again). */
const FIRST_SEEN_MAX = 50_000

interface Recent {
  chatStartedAt: number
  parts: string[]
}

export function createSpamFilter(deps: { config: SpamConfig; cache: Cache }): SpamFilter {
  const { config, cache } = deps
  const repeatOn = config.spamRepeatStrangers > 0
  const linkOn = config.spamLinkGraceSeconds > 0
  const graceMs = config.spamLinkGraceSeconds * 1000
  const screenMs = repeatOn || linkOn ? Math.max(config.spamScreenSeconds * 1000, linkOn ? graceMs : 0) : 0
  const window = config.spamRepeatWindowSeconds
  /** Per session, the folded texts of its chat's grace that carried no contact. */
  const recent = new Map<string, Recent>()
  /** A repeat key (seeded with the address) → the first stranger this node saw that text go to (see plan). */
  const firstSeen = new Map<number, { partnerId: string; at: number; counted: boolean }>()

  async function isNew(ipHash: string, at: number) {
    const first = Number(await cache.get(`seen:${ipHash}`))
    // Unknown (cache miss or outage) counts as new: the rule only lasts a few seconds.
    return !first || at - first < NEW_ADDRESS_MS
  }

  /** Counts `partnerId` once for `key` in the cache; the count after it (null: the cache failed). */
  async function countStranger(key: string, partnerId: string): Promise<number | null> {
    // Counted once per stranger: the same text twice to one person is not a campaign.
    if (await cache.add(`${key}:${partnerId}`, '1', window)) return cache.incr(key, 1, window)
    return Number(await cache.get(key))
  }

  async function repeated(ctx: TextContext, plan: CountPlan[]) {
    const counts = await Promise.all(
      plan.map(async ({ k, earlier }) => {
        const key = `spam:r:${ctx.ipHash}:${k.toString(36)}`
        if (earlier) await countStranger(key, earlier)
        return countStranger(key, ctx.partnerId)
      }),
    )
    return counts.some(n => n !== null && n > config.spamRepeatStrangers)
  }

  /**
   * The node-local first stage of the repeat rule, so that an ordinary text costs no cache call:
   * a text this node sees from an address for the first time is only remembered; from its second
   * stranger on, it is counted in the shared cache (the first stranger with it). Across several
   * nodes a campaign may so pass once more per node before the shared count sees it.
   */
  function plan(ctx: TextContext, norm: string, at: number): CountPlan[] | null {
    let out: CountPlan[] | null = null
    for (const k of repeatKeys(ctx.ipHash, norm)) {
      const e = firstSeen.get(k)
      if (!e || at - e.at > window * 1000) {
        if (firstSeen.size >= FIRST_SEEN_MAX) firstSeen.clear()
        firstSeen.set(k, { partnerId: ctx.partnerId, at, counted: false })
      } else if (e.counted) (out ??= []).push({ k, earlier: null })
      else if (e.partnerId !== ctx.partnerId) {
        e.counted = true
        ;(out ??= []).push({ k, earlier: e.partnerId })
      }
    }
    return out
  }

  let sinceSweep = 0
  /** Now and then (and at the cap), drops the kept texts of chats whose grace is over. */
  function sweep(at: number) {
    if (++sinceSweep < 1024 && recent.size < SPLIT_SESSIONS_MAX) return
    sinceSweep = 0
    for (const [id, r] of recent) if (at - r.chatStartedAt >= graceMs) recent.delete(id)
    // Still full (that many chats started within the grace): start again rather than grow.
    if (recent.size >= SPLIT_SESSIONS_MAX) recent.clear()
  }

  /** A contact spread over this session's last texts and `folded`; keeps `folded` for the next. */
  function splitContact(ctx: TextContext, folded: string, at: number): boolean {
    let r = recent.get(ctx.sessionId)
    if (r && r.chatStartedAt !== ctx.chatStartedAt) {
      r.chatStartedAt = ctx.chatStartedAt
      r.parts.length = 0
    }
    // Split pieces are short ("snap" + "chat jane99"); a long text is checked on its own.
    const piece = folded.length <= SPLIT_PIECE_MAX
    if (r && r.parts.length && piece) {
      const words = r.parts.length > SPLIT_WORDS ? r.parts.slice(-SPLIT_WORDS) : r.parts
      let found = contactIn(`${words.join(' ')} ${folded}`) !== null
      if (!found && !/\s/.test(folded)) {
        // Run together only pieces without spaces ("evil." + "com", "s" + "n" + "a" + "p"):
        // two sentences joined that way would make words nobody wrote.
        let run = folded
        for (let i = r.parts.length - 1; i >= 0 && !/\s/.test(r.parts[i]!); i--) run = r.parts[i] + run
        found = run !== folded && contactIn(run) !== null
      }
      // The pieces are used up: the texts after a refused one start afresh.
      if (found) {
        r.parts.length = 0
        return true
      }
    }
    if (!r) {
      r = { chatStartedAt: ctx.chatStartedAt, parts: [] }
      recent.set(ctx.sessionId, r)
      sweep(at)
    }
    if (!piece) r.parts.length = 0
    else {
      if (r.parts.length >= SPLIT_TEXTS) r.parts.shift()
      r.parts.push(folded)
    }
    return false
  }

  return {
    screenMs,
    check(ctx, body, at) {
      const age = at - ctx.chatStartedAt
      if (age >= screenMs) return null
      const early = linkOn && age < graceMs
      const longEnough = repeatOn && body.length >= MIN_REPEAT_CHARS
      if (!early && !longEnough) return null
      const folded = fold(skeleton(body))
      let contact = false
      if (early) {
        contact = contactIn(folded) !== null
        // A contact on its own uses up the pieces before it too.
        if (contact) recent.get(ctx.sessionId)?.parts.splice(0)
        else contact = splitContact(ctx, folded, at)
      }
      const norm = longEnough ? lettersAndDigits(folded) : ''
      const counts = norm.length >= MIN_REPEAT_CHARS ? plan(ctx, norm, at) : null
      if (!contact && !counts) return null
      return (async () => {
        if (contact && (await isNew(ctx.ipHash, at))) return 'a link or contact handle this early in a chat'
        if (counts && (await repeated(ctx, counts))) return `the same message to more than ${config.spamRepeatStrangers} strangers`
        return null
      })()
    },
    seen(ipHash, at) {
      void cache.add(`seen:${ipHash}`, String(at), 7 * 86_400)
    },
  }
}
