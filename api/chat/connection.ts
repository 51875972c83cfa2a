// What the chat core knows of a client connection: a way to send JSON and to close. The socket
// adapter (socket-adapter.ts) is the only code that knows these are Bun ServerWebSockets, the way
// hono keeps Bun behind WSContext; unit tests hand the core fake connections.
import type { ConnectionInfo } from './guard'

export interface Connection {
  readonly info: ConnectionInfo
  send(json: string): void
  close(code: number, reason: string): void
}
