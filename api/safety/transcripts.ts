// The short rolling transcript the server keeps per chat for one purpose: a reporter who ticks
// "include the conversation" attaches the last messages to the report. Memory only, bounded
// (last N lines and a character budget per chat, a cap on chats), and dropped a few minutes after
// the chat ends, so nothing else ever reads chat content.
import type { HubObserver } from '../chat/hub'

export interface TranscriptEntry {
  from: string
  body: string
  at: number
}

export interface Transcripts {
  /** Hand this to hub.observe(). */
  readonly observer: HubObserver
  /** The kept lines of a chat, oldest first; null when none are kept. */
  lines(chatId: string): readonly TranscriptEntry[] | null
  /**
   * Session `sessionId` was in the ended chat `chatId` and may still report it (its last chat).
   * The chat it could report before is let go by it. An ended chat that no session can report any
   * more is dropped at once instead of waiting out the keep.
   */
  reportableBy(chatId: string, sessionId: string): void
  /** Session `sessionId` is gone (expired, said goodbye, dropped): it reports nothing any more. */
  sessionGone(sessionId: string): void
  readonly size: number
  /** Ended chats queued to be dropped when their keep is over (early drops leave it in batches). */
  readonly queued: number
  /** Drops everything and stops the timer (app shutdown). */
  close(): void
}

export interface TranscriptLimits {
  maxLines?: number
  maxChars?: number
  keepAfterEndMs?: number
  maxChats?: number
}

/**
 * A chat's kept lines as a ring in one flat array, three slots a line (from, body, at): a text
 * writes three slots and allocates nothing once the ring is full, where an object per line plus
 * shift() was a measurable part of the relay's cost. Entries are built only for a report.
 */
interface Kept {
  buf: Array<string | number>
  /** Line index of the oldest kept line. */
  head: number
  count: number
  chars: number
  ended: boolean
  /** Sessions that may still report this ended chat (see reportableBy). */
  holders: number
}

/**
 * An ended chat's lines, kept the five minutes a report may still come, packed: one exact-size
 * array (the bodies, then the times) and the two senders with a bit per line saying which one
 * wrote it. The ring (90 slots, sized for a live chat) and its bookkeeping were most of what the
 * memory soak held above its goal: thousands of ended chats wait out the keep at once.
 */
interface Packed {
  /** bodies[0..n), then times[0..n) */
  lines: Array<string | number>
  /** bit j set: line j is from `b`, else from `a` */
  bits: number
  a: string
  b: string
  holders: number
}

/** Lines a packed chat can hold: one bit each in a 31-bit small integer. A longer ring stays a ring. */
const PACK_MAX_LINES = 31

export function createTranscripts(limits: TranscriptLimits = {}, now: () => number = Date.now): Transcripts {
  const maxLines = Math.max(1, limits.maxLines ?? 30)
  const maxChars = limits.maxChars ?? 12_000
  const keepAfterEndMs = limits.keepAfterEndMs ?? 5 * 60_000
  const maxChats = limits.maxChats ?? 50_000
  const chats = new Map<string, Kept | Packed>()
  // Chats in the order they ended, as two parallel arrays (no object per chat); the keep time is
  // constant, so this is also drop order.
  const endedIds: string[] = []
  const dropAts: number[] = []
  // Session → the ended chat it may still report. A report is about the reporter's current or
  // last chat and needs the reporter's live session, so once both sides of an ended chat are gone
  // or have had a newer chat end, nothing can read its lines: they go then, not minutes later.
  // Most chats end that way long before the keep is over (a session outlives its socket only by
  // the resume window), which is what the memory soak held. Bounded by the live sessions.
  const holding = new Map<string, string>()
  /** Ended chats dropped before their keep whose drop-queue entries are still queued. */
  let gone = 0
  let timer: ReturnType<typeof setTimeout> | null = null

  function arm() {
    if (timer || endedIds.length === 0) return
    timer = setTimeout(drop, Math.max(0, dropAts[0]! - now()))
    timer.unref?.()
  }

  function drop() {
    timer = null
    const t = now()
    let n = 0
    while (n < endedIds.length && dropAts[n]! <= t) chats.delete(endedIds[n++]!)
    if (n) {
      endedIds.splice(0, n)
      dropAts.splice(0, n)
    }
    arm()
  }

  function dropOldest(k: Kept) {
    const i = k.head * 3
    k.chars -= (k.buf[i + 1] as string).length
    // Let go of the text now rather than when the slot is written again.
    k.buf[i + 1] = ''
    k.head = (k.head + 1) % maxLines
    k.count--
  }

  const isPacked = (k: Kept | Packed): k is Packed => 'bits' in k

  function entries(k: Kept | Packed): TranscriptEntry[] {
    const out: TranscriptEntry[] = []
    if (isPacked(k)) {
      const n = k.lines.length / 2
      for (let j = 0; j < n; j++) out.push({ from: (k.bits >> j) & 1 ? k.b : k.a, body: k.lines[j] as string, at: k.lines[n + j] as number })
      return out
    }
    for (let j = 0; j < k.count; j++) {
      const i = ((k.head + j) % maxLines) * 3
      out.push({ from: k.buf[i] as string, body: k.buf[i + 1] as string, at: k.buf[i + 2] as number })
    }
    return out
  }

  /** The packed form of an ended ring, or the ring itself when it cannot be packed (over 31 lines, or more than two senders). */
  function pack(k: Kept): Kept | Packed {
    if (k.count > PACK_MAX_LINES) return k
    const lines: Array<string | number> = new Array(k.count * 2)
    let a = ''
    let b = ''
    let bits = 0
    for (let j = 0; j < k.count; j++) {
      const i = ((k.head + j) % maxLines) * 3
      const from = k.buf[i] as string
      if (j === 0 || from === a) a = from
      else if (!b || from === b) {
        b = from
        bits |= 1 << j
      } else return k
      lines[j] = k.buf[i + 1] as string
      lines[k.count + j] = k.buf[i + 2] as number
    }
    return { lines, bits, a, b, holders: k.holders }
  }

  /** Back to a ring: a line that comes after the chat ended (a late relay in a cluster) is still kept. */
  function unpack(p: Packed): Kept {
    const k: Kept = { buf: [], head: 0, count: 0, chars: 0, ended: true, holders: p.holders }
    for (const e of entries(p)) {
      k.buf.push(e.from, e.body, e.at)
      k.count++
      k.chars += e.body.length
    }
    return k
  }

  const observer: HubObserver = {
    onText(chatId, from, body, at) {
      const held = chats.get(chatId)
      let k: Kept
      if (!held) {
        if (chats.size >= maxChats) chats.delete(chats.keys().next().value!)
        chats.set(chatId, (k = { buf: [], head: 0, count: 0, chars: 0, ended: false, holders: 0 }))
      } else if (isPacked(held)) chats.set(chatId, (k = unpack(held)))
      else k = held
      if (k.count === maxLines) dropOldest(k)
      const w = ((k.head + k.count) % maxLines) * 3
      // Until the ring has wrapped once, the next line goes at the end of the array.
      if (w === k.buf.length) k.buf.push(from, body, at)
      else {
        k.buf[w] = from
        k.buf[w + 1] = body
        k.buf[w + 2] = at
      }
      k.count++
      k.chars += body.length
      while (k.chars > maxChars && k.count > 1) dropOldest(k)
    },
    onChatEnded(chatId) {
      const k = chats.get(chatId)
      if (!k || isPacked(k) || k.ended) return
      k.ended = true
      chats.set(chatId, pack(k))
      endedIds.push(chatId)
      dropAts.push(now() + keepAfterEndMs)
      arm()
    },
  }

  /** One holder of an ended chat lets go; the last one takes its lines with it. */
  function letGo(chatId: string) {
    const k = chats.get(chatId)
    if (!k || (!isPacked(k) && !k.ended)) return
    if (--k.holders > 0) return
    chats.delete(chatId)
    // Its queue entry would hold the id for the rest of the keep: once most entries are such, the
    // queue keeps only the chats still here (a pass over it, at most once per as many drops).
    if (++gone > 64 && gone * 2 > endedIds.length) compact()
  }

  function compact() {
    let w = 0
    for (let r = 0; r < endedIds.length; r++) {
      if (!chats.has(endedIds[r]!)) continue
      endedIds[w] = endedIds[r]!
      dropAts[w++] = dropAts[r]!
    }
    endedIds.length = w
    dropAts.length = w
    gone = 0
  }

  return {
    observer,
    reportableBy(chatId, sessionId) {
      const prev = holding.get(sessionId)
      if (prev === chatId) return
      if (prev !== undefined) letGo(prev)
      const k = chats.get(chatId)
      if (!k || (!isPacked(k) && !k.ended)) {
        holding.delete(sessionId)
        return
      }
      holding.set(sessionId, chatId)
      k.holders++
    },
    sessionGone(sessionId) {
      const chatId = holding.get(sessionId)
      if (chatId === undefined) return
      holding.delete(sessionId)
      letGo(chatId)
    },
    lines(chatId) {
      const k = chats.get(chatId)
      return k ? entries(k) : null
    },
    get size() {
      return chats.size
    },
    get queued() {
      return endedIds.length
    },
    close() {
      if (timer) clearTimeout(timer)
      timer = null
      chats.clear()
      holding.clear()
      endedIds.length = 0
      dropAts.length = 0
      gone = 0
    },
  }
}
