// The one way a frame reaches a session's own socket on this node: every frame the chat core
// writes to a Connection goes through here, so frames_out_total counts each frame exactly once.
// (Frames for a session elsewhere go through the backend's push/send and end up here on the
// node that holds its socket.)
import type { Metrics } from '../ops/metrics'
import type { Connection } from './connection'
import type { ServerFrame } from './protocol'

export interface Outbound {
  /** A frame built here: encoded and sent. */
  frame(conn: Connection, frame: ServerFrame): void
  /** A frame already encoded (a mailbox's sequenced JSON, an EphemeralJson, a replay). */
  json(conn: Connection, json: string): void
}

export function createOutbound(metrics: Metrics): Outbound {
  // A handle, not a name lookup: this runs for every frame of the relay's hot path.
  const framesOut = metrics.counter('frames_out_total')
  return {
    frame(conn, frame) {
      conn.send(JSON.stringify(frame))
      framesOut.inc()
    },
    json(conn, json) {
      conn.send(json)
      framesOut.inc()
    },
  }
}
