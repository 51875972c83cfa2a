// Bun's TracingChannel lacks Node's `hasSubscribers`; api/cluster/tracing-channel-gap.ts adds it so
// ioredis skips its per-command tracing when nobody listens, and still traces when someone does.
import { describe, expect, test } from 'bun:test'
import dc from 'node:diagnostics_channel'
import '../../api/cluster/tracing-channel-gap'
// ioredis's own tracing helper, the one every command goes through.
import { traceCommand, type CommandTraceContext } from 'ioredis/built/tracing'

const noop = () => {}
const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop }

describe('TracingChannel.hasSubscribers', () => {
  test('false with no subscriber, true while one listens to any part, false again after', () => {
    const ch = dc.tracingChannel('leetchat:test:parts')
    expect(ch.hasSubscribers).toBe(false)
    ch.subscribe(handlers)
    expect(ch.hasSubscribers).toBe(true)
    ch.unsubscribe(handlers)
    expect(ch.hasSubscribers).toBe(false)
    const onError = () => {}
    dc.subscribe('tracing:leetchat:test:parts:error', onError)
    expect(ch.hasSubscribers).toBe(true)
    dc.unsubscribe('tracing:leetchat:test:parts:error', onError)
    expect(ch.hasSubscribers).toBe(false)
  })

  test('ioredis runs a command untraced when nobody listens, and traces it when someone does', async () => {
    let contexts = 0
    const context = (): CommandTraceContext => (contexts++, { command: 'get', args: ['k'], database: 0, serverAddress: '127.0.0.1', serverPort: 6379 })
    expect(await traceCommand(() => Promise.resolve('OK'), context)).toBe('OK')
    expect(contexts).toBe(0)

    const starts: unknown[] = []
    const listener = { ...handlers, start: (m: unknown) => starts.push(m) }
    const ch = dc.tracingChannel('ioredis:command')
    ch.subscribe(listener)
    try {
      expect(await traceCommand(() => Promise.resolve('OK'), context)).toBe('OK')
    } finally {
      ch.unsubscribe(listener)
    }
    expect(contexts).toBe(1)
    expect(starts).toHaveLength(1)
  })
})
