// The chat hub on one node, driven through fake connections (no sockets, no server): the rules
// of pairing, relaying, resuming and ending, as the hub applies them.
import { afterEach, describe, expect, test } from 'bun:test'
import { allowAll } from '../../api/chat/guard'
import { createChatCore } from '../../api/chat-core'
import { createPopularInterests } from '../../api/chat/popular'
import { openCache } from '../../api/cache'
import { loadConfig } from '../../api/config'
import { createLogger } from '../../api/log'
import { createMetrics } from '../../api/ops/metrics'
import { FakeConnection } from '../support/fake-connection'

const hubs: Array<{ shutdown(o?: { closeWaitMs?: number }): Promise<void> }> = []
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.shutdown({ closeWaitMs: 0 })
})

function setup(env: Record<string, string> = {}) {
  const config = loadConfig({ DATA_DIR: '/tmp', MATCH_FALLBACK_MS: '50', ...env })
  const { hub } = createChatCore({
    config,
    cache: openCache(config),
    guard: allowAll,
    log: createLogger('silent'),
    metrics: createMetrics(),
    popular: createPopularInterests(),
    now: Date.now,
    cluster: null,
    transcriptKeepMs: 300_000,
  })
  hubs.push(hub)
  const connect = (resume: string | null = null, ip = '198.51.100.7') => {
    const conn = new FakeConnection({ ip, ipHash: `h-${ip}`, origin: null })
    const s = hub.open(conn, resume)
    return { conn, s, say: (frame: object) => hub.message(conn, s, JSON.stringify(frame)) }
  }
  return { hub, connect }
}

const tick = () => new Promise(r => setTimeout(r, 0))

describe('hub with fake connections', () => {
  test('two sessions sharing an interest are paired, and a text reaches the partner with a receipt', async () => {
    const { connect } = setup()
    const a = connect()
    const b = connect(null, '198.51.100.8')
    a.say({ type: 'find', interests: ['chess'] })
    b.say({ type: 'find', interests: ['chess', 'go'] })
    await tick()
    expect(a.conn.last('matched')).toMatchObject({ common: ['chess'] })
    expect(b.conn.last('matched')?.chat).toBe(a.conn.last('matched')?.chat)
    a.say({ type: 'text', id: 'm1', body: 'hi' })
    expect(b.conn.last('text')).toMatchObject({ body: 'hi', from: 'stranger' })
    expect(a.conn.last('delivered')).toMatchObject({ id: 'm1' })
    b.say({ type: 'typing', active: true })
    expect(a.conn.last('typing')).toEqual({ type: 'typing', active: true })
  })

  test('seq increases per session over every sequenced frame', async () => {
    const { connect } = setup()
    const a = connect()
    const b = connect(null, '198.51.100.8')
    a.say({ type: 'find', interests: ['x'] })
    b.say({ type: 'find', interests: ['x'] })
    await tick()
    for (let i = 0; i < 5; i++) a.say({ type: 'text', id: `t${i}`, body: `n${i}` })
    const seqs = b.conn.frames.filter(f => typeof f.seq === 'number').map(f => f.seq)
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('a dropped connection is held: the partner sees reconnecting, the resumer gets what it missed, then back', async () => {
    const { hub, connect } = setup()
    const a = connect()
    const b = connect(null, '198.51.100.8')
    a.say({ type: 'find', interests: ['x'] })
    b.say({ type: 'find', interests: ['x'] })
    await tick()
    hub.close(a.conn, a.s, 1006)
    expect(b.conn.last('partner')).toEqual({ type: 'partner', state: 'reconnecting' })
    b.say({ type: 'text', id: 'while-away', body: 'are you there?' })
    const a2 = connect(a.s.id)
    expect(a2.conn.frames[0]).toMatchObject({ type: 'hello', resumed: true, session: a.s.id })
    expect(a2.conn.of('text').map(f => f.body)).toEqual(['are you there?'])
    // Whether the partner is connected is asked of the backend (async on every backend).
    await tick()
    expect(a2.conn.last('partner')).toEqual({ type: 'partner', state: 'back' })
    expect(b.conn.last('partner')).toEqual({ type: 'partner', state: 'back' })
  })

  test('a goodbye (1000) ends the chat at once for the partner', async () => {
    const { hub, connect } = setup()
    const a = connect()
    const b = connect(null, '198.51.100.8')
    a.say({ type: 'find', interests: ['x'] })
    b.say({ type: 'find', interests: ['x'] })
    await tick()
    hub.close(a.conn, a.s, 1000)
    expect(b.conn.last('ended')).toMatchObject({ by: 'stranger', reason: 'left' })
    expect(hub.session(b.s.id)?.state).toBe('idle')
  })

  test('resuming on a second connection closes the first with 4001', () => {
    const { connect } = setup()
    const a = connect()
    const a2 = connect(a.s.id)
    expect(a.conn.closed?.code).toBe(4001)
    expect(a2.conn.frames[0]).toMatchObject({ type: 'hello', resumed: true })
  })

  test('next ends the chat as next for both and queues the sender again', async () => {
    const { hub, connect } = setup()
    const a = connect()
    const b = connect(null, '198.51.100.8')
    a.say({ type: 'find', interests: ['x'] })
    b.say({ type: 'find', interests: ['x'] })
    await tick()
    a.say({ type: 'next' })
    await tick()
    expect(a.conn.last('ended')).toMatchObject({ by: 'you', reason: 'next' })
    expect(b.conn.last('ended')).toMatchObject({ by: 'stranger', reason: 'next' })
    expect(hub.session(a.s.id)?.state).toBe('queued')
    // The two just chatted: the cool-down keeps them apart even though both are waiting.
    b.say({ type: 'next' })
    await tick()
    expect(hub.session(b.s.id)?.state).toBe('queued')
    expect(hub.stats().waiting).toBe(2)
  })

  test('a text outside a chat is refused with not_in_chat; a bad frame with its code; the hub keeps going', async () => {
    const { connect } = setup()
    const a = connect()
    a.say({ type: 'text', id: 'x', body: 'hello?' })
    await tick()
    expect(a.conn.last('error')?.code).toBe('not_in_chat')
    a.say({ type: 'nope' })
    expect(a.conn.last('error')?.code).toBe('unknown_type')
    a.say({ type: 'ack', seq: 99 })
    expect(a.conn.last('error')?.code).toBe('bad_frame')
  })

  test('a ban reaches every session of the address: chats end as banned and the session is told why', async () => {
    const { hub, connect } = setup()
    const a = connect()
    const b = connect(null, '198.51.100.8')
    a.say({ type: 'find', interests: ['x'] })
    b.say({ type: 'find', interests: ['x'] })
    await tick()
    await hub.banAddress(a.s.ipHash, 60_000, 'banned for a minute')
    expect(a.conn.last('error')).toMatchObject({ code: 'banned', retryAfterMs: 60_000 })
    expect(b.conn.last('ended')).toMatchObject({ by: 'stranger', reason: 'banned' })
  })
})
