// The only code that knows the chat runs on Bun's ServerWebSocket: it turns Bun's websocket
// events into the hub's open/message/close calls, with a Connection in front of each socket.
import type { ServerWebSocket, WebSocketHandler } from 'bun'
import type { Connection } from './connection'
import type { ConnectionInfo } from './guard'
import type { Hub } from './hub'
import type { LocalSession } from './session'

export interface WsData extends ConnectionInfo {
  /** Token from ?resume=, if any. */
  resume: string | null
  session: LocalSession | null
  conn: Connection | null
}

/** Methods on the prototype and the upgrade's data as `info`: nothing extra held per socket. */
class BunConnection implements Connection {
  constructor(private readonly ws: ServerWebSocket<WsData>) {}
  get info(): ConnectionInfo {
    return this.ws.data
  }
  send(json: string) {
    this.ws.send(json)
  }
  close(code: number, reason: string) {
    this.ws.close(code, reason)
  }
}

export function bunWebSocketHandlers(hub: Hub, opts: { maxFrameBytes: number }): WebSocketHandler<WsData> {
  return {
    // A frame above this closes the socket (1009) unparsed; below it, our own limit answers with
    // an error frame and keeps the socket, as the contract asks.
    maxPayloadLength: Math.max(opts.maxFrameBytes * 4, 64 * 1024),
    backpressureLimit: 1024 * 1024,
    closeOnBackpressureLimit: true,
    idleTimeout: 120,
    sendPings: true,
    open(ws: ServerWebSocket<WsData>) {
      const d = ws.data
      const conn = new BunConnection(ws)
      d.conn = conn
      d.session = hub.open(conn, d.resume)
    },
    message(ws: ServerWebSocket<WsData>, message: string | Buffer) {
      const d = ws.data
      if (d.conn) hub.message(d.conn, d.session, message)
    },
    close(ws: ServerWebSocket<WsData>, code: number) {
      const d = ws.data
      const s = d.session
      d.session = null
      if (d.conn) hub.close(d.conn, s, code)
    },
  }
}
