// Bench baseline: the contract floor, the least this protocol needs per message. Connections pair
// up in arrival order; a `text` frame is parsed, answered with `delivered` (client id, seq, time)
// and forwarded to the partner as a `text` frame with the partner's seq: two frames out per frame in.
import type { ServerWebSocket } from 'bun'

type Data = { partner: Conn | null; seq: number }
type Conn = ServerWebSocket<Data>
let waiting: Conn | null = null
const server = Bun.serve<Data>({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  fetch: (req, srv) => (srv.upgrade(req, { data: { partner: null, seq: 0 } }) ? undefined : new Response('websocket only', { status: 426 })),
  websocket: {
    open(ws) {
      if (!waiting) return void (waiting = ws)
      ws.data.partner = waiting
      waiting.data.partner = ws
      waiting = null
    },
    message(ws, m) {
      const f = JSON.parse(String(m)) as { type: string; id: string; body: string }
      const p = ws.data.partner
      if (f.type !== 'text' || !p) return
      const at = Date.now()
      ws.send(JSON.stringify({ type: 'delivered', id: f.id, seq: ++ws.data.seq, at }))
      p.send(JSON.stringify({ type: 'text', seq: ++p.data.seq, body: f.body, at, from: 'stranger' }))
    },
  },
})
console.log(server.port)
