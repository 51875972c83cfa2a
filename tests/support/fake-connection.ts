// A Connection for unit tests of the chat core: records what the core sends, parsed.
import type { Connection } from '../../api/chat/connection'

export class FakeConnection implements Connection {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads any field of a parsed frame
  readonly frames: Array<Record<string, any>> = []
  closed: { code: number; reason: string } | null = null
  constructor(readonly info = { ip: '198.51.100.7', ipHash: 'h-198.51.100.7', origin: null as string | null }) {}
  send(json: string) {
    this.frames.push(JSON.parse(json))
  }
  close(code: number, reason: string) {
    this.closed ??= { code, reason }
  }
  of(type: string) {
    return this.frames.filter(f => f.type === type)
  }
  last(type: string) {
    return this.of(type).at(-1)
  }
}
