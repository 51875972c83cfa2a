// A TCP proxy between the app and a shared server (the machine's MariaDB), so a test can make
// that server "go away" for the app without stopping it for everyone else:
//   cut()       connections reset and the port refuses, like a stopped server;
//   blackhole() the port accepts but nothing gets through, like a hung server or a dead network;
//   restore()   back to forwarding (every held connection is dropped first).
import type { Socket, TCPSocketListener } from 'bun'

type Mode = 'forward' | 'blackhole' | 'cut'

interface Side {
  peer: Socket<Side> | null
  closed: boolean
  /** Bytes waiting to be written to `peer` (not yet connected, or backpressure). */
  queue: Uint8Array[]
}

export interface TcpProxy {
  port: number
  cut(): Promise<void>
  blackhole(): Promise<void>
  restore(): Promise<void>
  stop(): Promise<void>
}

function flush(to: Socket<Side>, queue: Uint8Array[]) {
  while (queue.length) {
    const chunk = queue[0]!
    const n = to.write(chunk)
    if (n < chunk.length) {
      queue[0] = chunk.subarray(Math.max(0, n))
      return
    }
    queue.shift()
  }
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'forward'
  const sockets = new Set<Socket<Side>>()

  const track = (s: Socket<Side>) => sockets.add(s)
  const dropAll = () => {
    for (const s of sockets) s.terminate()
    sockets.clear()
  }
  // What a side does with bytes: forward to its peer's queue, or swallow them.
  const relay = (from: Socket<Side>, data: Uint8Array) => {
    if (mode !== 'forward') return
    const other = from.data.peer
    // The other side's queue holds what must be written to `other`.
    const queue = other ? other.data.queue : from.data.queue
    queue.push(new Uint8Array(data))
    if (other) flush(other, queue)
  }

  const upstreamHandlers = {
    data: relay,
    drain: (s: Socket<Side>) => flush(s, s.data.queue),
    close: (s: Socket<Side>) => {
      s.data.closed = true
      sockets.delete(s)
      s.data.peer?.end()
    },
    error: (s: Socket<Side>) => {
      s.data.peer?.end()
    },
  }

  function listen(port: number): TCPSocketListener<Side> {
    return Bun.listen<Side>({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(client) {
          client.data = { peer: null, closed: false, queue: [] }
          track(client)
          if (mode !== 'forward') return
          Bun.connect<Side>({ hostname: target.host, port: target.port, data: { peer: client, closed: false, queue: [] }, socket: upstreamHandlers }).then(
            up => {
              if (client.data.closed) return up.end()
              track(up)
              client.data.peer = up
              // Bytes the client sent before the upstream was connected wait in its own queue.
              up.data.queue.push(...client.data.queue)
              client.data.queue = []
              flush(up, up.data.queue)
            },
            () => client.end(),
          )
        },
        data: relay,
        drain: s => flush(s, s.data.queue),
        close(s) {
          s.data.closed = true
          sockets.delete(s)
          s.data.peer?.end()
        },
        error(s) {
          s.data.peer?.end()
        },
      },
    })
  }

  let listener: TCPSocketListener<Side> | null = listen(0)
  const port = listener.port

  return {
    port,
    async cut() {
      mode = 'cut'
      listener?.stop(true)
      listener = null
      dropAll()
    },
    async blackhole() {
      mode = 'blackhole'
      listener ??= listen(port)
    },
    async restore() {
      dropAll()
      mode = 'forward'
      listener ??= listen(port)
    },
    async stop() {
      mode = 'cut'
      listener?.stop(true)
      listener = null
      dropAll()
    },
  }
}
