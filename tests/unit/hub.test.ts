// The chat hub on one node, driven through fake connections (no sockets, no server): resuming,
// takeover and bad frames. Pairing, relay, seq, the ends of a chat and bans are the backend
// contract (tests/contracts/chat-backend.ts), run on every backend by chat-backend-contract.test.ts.
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
  const { hub, backend } = createChatCore({
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
  return { hub, backend, connect }
}

const tick = () => new Promise(r => setTimeout(r, 0))

/** Two fresh sessions from two addresses, paired on one interest. */
async function pair(connect: ReturnType<typeof setup>['connect']) {
  const a = connect()
  const b = connect(null, '198.51.100.8')
  a.say({ type: 'find', interests: ['x'] })
  b.say({ type: 'find', interests: ['x'] })
  await tick()
  return { a, b, chat: a.conn.last('matched')!.chat as string }
}

describe('hub with fake connections', () => {
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

  test("an ended chat's transcript goes with the last session that could report it, not minutes later", async () => {
    const { hub, backend, connect } = setup({ RESUME_WINDOW_MS: '60000' })
    const { a, b, chat } = await pair(connect)
    a.say({ type: 'text', id: 't1', body: 'hello' })
    a.say({ type: 'leave' })
    await tick()
    expect((await backend.transcript(chat))!.map(l => l.body)).toEqual(['hello'])
    // a says goodbye (1000): b, who could still report the chat, keeps it readable.
    hub.close(a.conn, a.s, 1000)
    expect(await backend.transcript(chat)).not.toBeNull()
    // b's socket drops: its session is held for the resume window and may still come back and report.
    hub.close(b.conn, b.s, 1006)
    expect(await backend.transcript(chat)).not.toBeNull()
    const b2 = connect(b.s.id, '198.51.100.8')
    expect(b2.conn.frames[0]).toMatchObject({ type: 'hello', resumed: true })
    expect(await backend.transcript(chat)).not.toBeNull()
    hub.close(b2.conn, b2.s, 1000)
    expect(await backend.transcript(chat)).toBeNull()
  })

  test('an ended chat whose two sessions both expired is not kept for a report no one can make', async () => {
    const { hub, backend, connect } = setup({ RESUME_WINDOW_MS: '100' })
    const { a, b, chat } = await pair(connect)
    b.say({ type: 'text', id: 't1', body: 'hello' })
    hub.close(a.conn, a.s, 1006)
    hub.close(b.conn, b.s, 1006)
    expect((await backend.transcript(chat))!.map(l => l.body)).toEqual(['hello'])
    // Both windows pass: the chat ends by timeout for both, and both sessions are gone.
    await Bun.sleep(250)
    expect(hub.session(a.s.id)).toBeNull()
    expect(await backend.transcript(chat)).toBeNull()
  })

  test('resuming on a second connection closes the first with 4001', () => {
    const { connect } = setup()
    const a = connect()
    const a2 = connect(a.s.id)
    expect(a.conn.closed?.code).toBe(4001)
    expect(a2.conn.frames[0]).toMatchObject({ type: 'hello', resumed: true })
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
})
