// The hub's broadcast of the online count to every connected session of this node.
// A loop over live sessions rather than a pub/sub topic: a socket subscribed to any topic pays on
// every send (Bun must keep topic and direct frames in order), and this runs at most once per
// ONLINE_BROADCAST_MS, only when the count changed.
import type { Outbound } from './outbound'
import type { ChatBackend } from './ports/chat-backend'
import type { OnlineFrame } from './protocol'

/** Starts the broadcast; returns its stop. */
export function startOnlineBroadcast(backend: ChatBackend, outbound: Outbound, everyMs: number): () => void {
  let lastOnlineSent = -1
  function broadcastOnline() {
    const count = backend.online()
    if (count === lastOnlineSent) return
    lastOnlineSent = count
    const json = JSON.stringify({ type: 'online', count } satisfies OnlineFrame)
    for (const s of backend.all()) if (s.conn) outbound.json(s.conn, json)
  }
  const onlineTimer = setInterval(broadcastOnline, everyMs)
  return () => clearInterval(onlineTimer)
}
