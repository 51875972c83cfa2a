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
  readonly size: number
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
}

export function createTranscripts(limits: TranscriptLimits = {}, now: () => number = Date.now): Transcripts {
  const maxLines = Math.max(1, limits.maxLines ?? 30)
  const maxChars = limits.maxChars ?? 12_000
  const keepAfterEndMs = limits.keepAfterEndMs ?? 5 * 60_000
  const maxChats = limits.maxChats ?? 50_000
  const chats = new Map<string, Kept>()
  // Chats in the order they ended; the keep time is constant, so this is also drop order.
  const ended: Array<{ id: string; dropAt: number }> = []
  let timer: ReturnType<typeof setTimeout> | null = null

  function arm() {
    if (timer || ended.length === 0) return
    timer = setTimeout(drop, Math.max(0, ended[0]!.dropAt - now()))
    timer.unref?.()
  }

  function drop() {
    timer = null
    const t = now()
    let n = 0
    while (n < ended.length && ended[n]!.dropAt <= t) chats.delete(ended[n++]!.id)
    if (n) ended.splice(0, n)
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

  function entries(k: Kept): TranscriptEntry[] {
    const out: TranscriptEntry[] = []
    for (let j = 0; j < k.count; j++) {
      const i = ((k.head + j) % maxLines) * 3
      out.push({ from: k.buf[i] as string, body: k.buf[i + 1] as string, at: k.buf[i + 2] as number })
    }
    return out
  }

  const observer: HubObserver = {
    onText(chatId, from, body, at) {
      let k = chats.get(chatId)
      if (!k) {
        if (chats.size >= maxChats) chats.delete(chats.keys().next().value!)
        chats.set(chatId, (k = { buf: [], head: 0, count: 0, chars: 0, ended: false }))
      }
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
      if (!k || k.ended) return
      k.ended = true
      ended.push({ id: chatId, dropAt: now() + keepAfterEndMs })
      arm()
    },
  }

  return {
    observer,
    lines(chatId) {
      const k = chats.get(chatId)
      return k ? entries(k) : null
    },
    get size() {
      return chats.size
    },
    close() {
      if (timer) clearTimeout(timer)
      timer = null
      chats.clear()
      ended.length = 0
    },
  }
}
