// Bench baseline: a bare forwarder. Connections pair up in arrival order and every frame is passed
// to the partner untouched. Nothing a chat server can do per message is cheaper.
import type { ServerWebSocket } from 'bun'

type Conn = ServerWebSocket<{ partner: Conn | null }>
let waiting: Conn | null = null
const server = Bun.serve<{ partner: Conn | null }>({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  fetch: (req, srv) => (srv.upgrade(req, { data: { partner: null } }) ? undefined : new Response('websocket only', { status: 426 })),
  websocket: {
    open(ws) {
      if (!waiting) return void (waiting = ws)
      ws.data.partner = waiting
      waiting.data.partner = ws
      waiting = null
    },
    message: (ws, m) => void ws.data.partner?.send(m),
  },
})
console.log(server.port)
