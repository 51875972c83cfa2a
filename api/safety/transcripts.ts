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

interface Kept {
  lines: TranscriptEntry[]
  chars: number
  ended: boolean
}

export function createTranscripts(limits: TranscriptLimits = {}, now: () => number = Date.now): Transcripts {
  const maxLines = limits.maxLines ?? 30
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

  const observer: HubObserver = {
    onText(chatId, from, body, at) {
      let k = chats.get(chatId)
      if (!k) {
        if (chats.size >= maxChats) chats.delete(chats.keys().next().value!)
        chats.set(chatId, (k = { lines: [], chars: 0, ended: false }))
      }
      k.lines.push({ from, body, at })
      k.chars += body.length
      while (k.lines.length > maxLines || (k.chars > maxChars && k.lines.length > 1)) k.chars -= k.lines.shift()!.body.length
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
    lines: chatId => chats.get(chatId)?.lines ?? null,
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
