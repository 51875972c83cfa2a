// What this tab keeps across a reload or a discarded background tab (sessionStorage: per tab,
// gone when the tab closes): the socket's session and the chat as the tab showed it, so a reload
// resumes the same chat, and an offline reload still shows it. Failure-proof like storage.ts.
import type { SocketMemory } from './socket'

const KEY = 'leetchat.tab'
const VERSION = 1

export function recall<T>(): (T & { socket: SocketMemory | null }) | null {
  try {
    const raw = sessionStorage.getItem(KEY)
    if (!raw) return null
    const data = JSON.parse(raw) as { v?: number }
    return data.v === VERSION ? (data as T & { socket: SocketMemory | null }) : null
  } catch {
    return null
  }
}

export function remember(data: object) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ ...data, v: VERSION }))
  } catch {
    /* full or disabled: a reload then starts afresh */
  }
}
