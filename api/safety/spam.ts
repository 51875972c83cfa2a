// Spam heuristics on texts, kept off the relay's hot path: only the first SCREENED_TEXTS (chat/guard.ts) texts of
// a chat are looked at (a spammer's pitch comes first; a conversation's later texts are never
// touched), and of those only texts that pass a cheap pre-filter cost a cache call:
//  - repeat: the same normalised text (≥ MIN_REPEAT_CHARS letters and digits) sent to more than
//    SPAM_REPEAT_STRANGERS distinct strangers within SPAM_REPEAT_WINDOW_SECONDS, per address;
//  - early link: a link or contact handle within SPAM_LINK_GRACE_SECONDS of the chat's start
//    from an address first seen less than NEW_ADDRESS_MS ago.
// Both are counted in the cache, so they hold across nodes.
import type { Cache } from '../cache/cache'
import type { Config } from '../config'

/** Shorter texts ("hi", "m or f?") are what everyone sends; only longer ones can be a campaign. */
export const MIN_REPEAT_CHARS = 16
/** An address is "new" for this long after its first session. */
export const NEW_ADDRESS_MS = 24 * 3600_000

export type SpamConfig = Pick<Config, 'spamRepeatStrangers' | 'spamRepeatWindowSeconds' | 'spamLinkGraceSeconds'>

import type { TextContext } from '../chat/guard'

/** Lower case, letters and digits only: "Visit MY page!!" and "visit my page" are the same text. */
export function normaliseForRepeat(body: string): string {
  return body.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')
}

// A scheme or www., a dotted host with a common TLD, an @handle, or a messenger name. Broad on
// purpose: it only applies for a few seconds, to new addresses.
const LINK = /https?:\/\/|www\.|\b[a-z0-9-]{2,}\s?(?:\.|\(dot\)|\[dot\])\s?(?:com|net|org|io|gg|me|co|ly|ru|xyz|link|site|app|info|biz|tv|live|club|top|online|to|cc)\b|(?:^|\s)@[a-z0-9_.]{3,}|\b(?:t\.me|telegram|whatsapp|snapchat|snap|kik|discord|instagram|insta|onlyfans|wa\.me)\b/i

export const looksLikeLinkOrHandle = (body: string) => LINK.test(body)

export interface SpamFilter {
  /**
   * null when the text is fine, or a reason when it is spam. Synchronous null for almost every
   * text; a promise only for texts past the pre-filter.
   */
  check(ctx: TextContext, body: string, at: number): null | Promise<string | null>
  /** Remembers when an address was first seen (called for each new session). */
  seen(ipHash: string, at: number): void
}

export function createSpamFilter(deps: { config: SpamConfig; cache: Cache }): SpamFilter {
  const { config, cache } = deps
  const repeatOn = config.spamRepeatStrangers > 0
  const linkOn = config.spamLinkGraceSeconds > 0
  const graceMs = config.spamLinkGraceSeconds * 1000
  const window = config.spamRepeatWindowSeconds

  async function isNew(ipHash: string, at: number) {
    const first = Number(await cache.get(`seen:${ipHash}`))
    // Unknown (cache miss or outage) counts as new: the rule only lasts a few seconds.
    return !first || at - first < NEW_ADDRESS_MS
  }

  async function repeated(ctx: TextContext, norm: string) {
    const h = Bun.hash(norm).toString(36)
    const key = `spam:r:${ctx.ipHash}:${h}`
    // Counted once per stranger: the same text twice to one person is not a campaign.
    if (await cache.add(`${key}:${ctx.partnerId}`, '1', window)) {
      const n = await cache.incr(key, 1, window)
      return n !== null && n > config.spamRepeatStrangers
    }
    return Number(await cache.get(key)) > config.spamRepeatStrangers
  }

  return {
    check(ctx, body, at) {
      const early = linkOn && at - ctx.chatStartedAt < graceMs && looksLikeLinkOrHandle(body)
      const norm = repeatOn && body.length >= MIN_REPEAT_CHARS ? normaliseForRepeat(body) : ''
      const repeat = norm.length >= MIN_REPEAT_CHARS
      if (!early && !repeat) return null
      return (async () => {
        if (early && (await isNew(ctx.ipHash, at))) return 'a link or contact handle this early in a chat'
        if (repeat && (await repeated(ctx, norm))) return `the same message to more than ${config.spamRepeatStrangers} strangers`
        return null
      })()
    },
    seen(ipHash, at) {
      void cache.add(`seen:${ipHash}`, String(at), 7 * 86_400)
    },
  }
}
