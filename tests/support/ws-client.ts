// A WebSocket test client that records every frame and lets a test wait for the next one of a type.
import type { ServerFrame } from '../../api/chat/protocol'

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>

export class TestClient {
  readonly frames: ServerFrame[] = []
  private cursor = 0
  private waiters: Array<() => void> = []
  closed: { code: number; reason: string } | null = null
  session = ''

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = e => {
      this.frames.push(JSON.parse(String(e.data)))
      this.wake()
    }
    ws.onclose = e => {
      this.closed = { code: e.code, reason: e.reason }
      this.wake()
    }
  }

  static async connect(url: string, headers?: Record<string, string>, opts: { tls?: { ca: string } } = {}): Promise<TestClient> {
    // Bun's WebSocket accepts headers (Origin, X-Forwarded-For) and TLS options (a test CA for
    // wss://) as a second-argument option.
    const options = headers || opts.tls ? { ...(headers && { headers }), ...(opts.tls && { tls: opts.tls }) } : undefined
    const ws = new WebSocket(url, options as unknown as string[])
    const c = new TestClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve()
      ws.onerror = () => reject(new Error(`could not connect to ${url}`))
    })
    const hello = await c.next('hello')
    c.session = hello.session
    return c
  }

  private wake() {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The next frame of `type` after the previous `next()` result; frames of other types are skipped. */
  async next<T extends ServerFrame['type']>(type: T, timeoutMs = 3000): Promise<FrameOf<T>> {
    const until = Date.now() + timeoutMs
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!
        if (f.type === type) return f as FrameOf<T>
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${type}; got ${JSON.stringify(this.frames.slice(-5))}`)
      const left = until - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${type}; last frames ${JSON.stringify(this.frames.slice(-5))}`)
      await new Promise<void>(resolve => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Resolves false if no frame of `type` arrives within `ms` (for "nothing happens" checks). */
  async nothing(type: ServerFrame['type'], ms = 200): Promise<boolean> {
    const start = this.cursor
    await Bun.sleep(ms)
    return !this.frames.slice(start).some(f => f.type === type)
  }

  /** Frames received so far; pass the result to since() to see only what came after. */
  mark(): number {
    return this.frames.length
  }

  since(mark: number): ServerFrame[] {
    return this.frames.slice(mark)
  }

  /** Waits until a frame of `type` has arrived after `mark` (whatever next() consumed). */
  async after<T extends ServerFrame['type']>(mark: number, type: T, timeoutMs = 3000): Promise<FrameOf<T>> {
    const until = Date.now() + timeoutMs
    for (;;) {
      const f = this.frames.slice(mark).find(x => x.type === type)
      if (f) return f as FrameOf<T>
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${type}; got ${JSON.stringify(this.frames.slice(-5))}`)
      const left = until - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${type}; last frames ${JSON.stringify(this.frames.slice(-5))}`)
      await new Promise<void>(resolve => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** The highest seq received so far (what a client would acknowledge). */
  lastSeq(): number {
    let max = 0
    for (const f of this.frames) if ('seq' in f && typeof f.seq === 'number' && f.seq > max) max = f.seq
    return max
  }

  all<T extends ServerFrame['type']>(type: T): FrameOf<T>[] {
    return this.frames.filter(f => f.type === type) as FrameOf<T>[]
  }

  async waitClose(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    const until = Date.now() + timeoutMs
    while (!this.closed) {
      if (Date.now() > until) throw new Error('socket did not close')
      await new Promise<void>(r => {
        const t = setTimeout(r, 50)
        this.waiters.push(() => (clearTimeout(t), r()))
      })
    }
    return this.closed
  }

  close(code = 1000) {
    this.ws.close(code)
  }

  /** Simulates a network drop: the server sees an abnormal close, not a goodbye. */
  drop() {
    // 4000 is an application code the server treats like a lost connection (anything but 1000).
    this.ws.close(4000, 'test drop')
  }
}

/** Two clients paired on a shared interest. */
export async function pair(connect: () => Promise<TestClient>, interest = 'test-' + Math.random().toString(36).slice(2)) {
  const a = await connect()
  const b = await connect()
  a.send({ type: 'find', interests: [interest], random: false })
  await a.next('queued')
  b.send({ type: 'find', interests: [interest], random: false })
  const ma = await a.next('matched')
  const mb = await b.next('matched')
  return { a, b, chat: ma.chat, ma, mb }
}
