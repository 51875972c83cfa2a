// The ChatBackend contract (api/chat/ports/chat-backend.ts) as one suite, driven through the hub
// with fake connections: pairing, relay with receipts, order and seq per recipient, the ends of a
// chat, refusals naming their text, bans reaching every session of an address. Run unchanged on
// every implementation (one node in process memory, one node on Redis, two nodes over one Redis
// in one process, with the two sides of each chat on different nodes).
import { describe, expect, test } from 'bun:test'
import type { Hub } from '../../api/chat/hub'
import type { ChatBackend } from '../../api/chat/ports/chat-backend'
import type { LocalSession } from '../../api/chat/session'
import { FakeConnection } from '../support/fake-connection'

export interface Side {
  conn: FakeConnection
  s: LocalSession
  say(frame: object): void
}

export interface BackendUnderTest {
  /** One hub per node (one, or two sharing a store). */
  hubs: Hub[]
  /** The backend of each hub, same order: what the app reads besides the hub (transcripts). */
  backends: ChatBackend[]
  close(): Promise<void>
}

export type BackendFactory = () => Promise<BackendUnderTest>

async function eventually(check: () => void, ms = 3000) {
  const end = Date.now() + ms
  for (;;) {
    try {
      return check()
    } catch (err) {
      if (Date.now() > end) throw err
      await Bun.sleep(5)
    }
  }
}

export function describeChatBackend(name: string, factory: BackendFactory) {
  async function setup() {
    const b = await factory()
    let n = 0
    let k = 0
    const connect = (ip = `198.51.100.${++n}`): Side => {
      const hub = b.hubs[k++ % b.hubs.length]!
      const conn = new FakeConnection({ ip, ipHash: `h-${ip}`, origin: null })
      const s = hub.open(conn, null)
      return { conn, s, say: (frame: object) => hub.message(conn, s, JSON.stringify(frame)) }
    }
    const meet = async (x: Side, y: Side) => {
      const interest = 'i' + Math.random().toString(36).slice(2)
      x.say({ type: 'find', interests: [interest], random: false })
      await eventually(() => expect({ frames: x.conn.frames.map(f => f.type), queued: Boolean(x.conn.last('queued')) }).toMatchObject({ queued: true }))
      y.say({ type: 'find', interests: [interest], random: false })
      await eventually(() => {
        expect(x.conn.last('matched')?.chat).toBeDefined()
        expect(y.conn.last('matched')?.chat).toBe(x.conn.last('matched')!.chat)
      })
    }
    return { b, connect, meet }
  }

  describe(`${name}: the chat backend contract`, () => {
    test('a text reaches the partner and its receipt the sender; typing is ephemeral', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        x.say({ type: 'text', id: 'm1', body: 'hi' })
        await eventually(() => expect(y.conn.last('text')).toMatchObject({ body: 'hi', from: 'stranger' }))
        await eventually(() => expect(x.conn.last('delivered')).toMatchObject({ id: 'm1' }))
        y.say({ type: 'typing', active: true })
        await eventually(() => expect(x.conn.last('typing')).toEqual({ type: 'typing', active: true }))
        expect(x.conn.of('typing').every(f => !('seq' in f))).toBe(true)
      } finally {
        await b.close()
      }
    })

    test('a long chat’s transcript, read on any node, is its last 30 lines in the order sent', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        const chat = x.conn.last('matched')!.chat as string
        // 45 lines, the two sides taking turns (each waits for the last to arrive, as people do).
        const want: Array<{ from: string; body: string }> = []
        for (let i = 0; i < 45; i++) {
          const [from, to] = i % 2 ? [y, x] : [x, y]
          from.say({ type: 'text', id: `l${i}`, body: `line ${i}` })
          want.push({ from: from.s.id, body: `line ${i}` })
          await eventually(() => expect(to.conn.last('text')?.body).toBe(`line ${i}`))
        }
        // On a Redis Cluster a line is written just after its text went out: the last may lag.
        const read = async (backend: ChatBackend) => (await backend.transcript(chat))?.map(l => ({ from: l.from, body: l.body }))
        for (const backend of b.backends) {
          let lines = await read(backend)
          for (let t = 0; t < 100 && lines?.at(-1)?.body !== 'line 44'; t++) {
            await Bun.sleep(10)
            lines = await read(backend)
          }
          expect(lines).toEqual(want.slice(-30))
        }
      } finally {
        await b.close()
      }
    })

    test('per recipient, frames keep their order and seq increases by one over every sequenced frame', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        for (let i = 0; i < 30; i++) x.say({ type: 'text', id: `t${i}`, body: `#${i}` })
        await eventually(() => expect(y.conn.of('text').length).toBe(30))
        expect(y.conn.of('text').map(f => f.body)).toEqual(Array.from({ length: 30 }, (_, i) => `#${i}`))
        await eventually(() => expect(x.conn.of('delivered').length).toBe(30))
        expect(x.conn.of('delivered').map(f => f.id)).toEqual(Array.from({ length: 30 }, (_, i) => `t${i}`))
        for (const side of [x, y]) {
          const seqs = side.conn.frames.filter(f => 'seq' in f).map(f => (f as { seq: number }).seq)
          expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
        }
      } finally {
        await b.close()
      }
    })

    test('after a resume (on another node where there are several), a resent text gets its first receipt and is not relayed again', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        x.say({ type: 'text', id: 'once', body: 'hello' })
        await eventually(() => expect(x.conn.of('delivered').length).toBe(1))
        const first = x.conn.last('delivered')
        const from = b.hubs.find(h => h.session(x.s.id))!
        from.close(x.conn, x.s, 1006)
        const to = b.hubs[(b.hubs.indexOf(from) + 1) % b.hubs.length]!
        expect(await to.restore(x.s.id)).toBe(true)
        const conn = new FakeConnection(x.conn.info)
        const s = to.open(conn, x.s.id)
        // The replay holds the receipt; the resend is answered with it, not relayed.
        to.message(conn, s, JSON.stringify({ type: 'text', id: 'once', body: 'hello' }))
        await eventually(() => expect(conn.of('delivered').length).toBe(2))
        for (const d of conn.of('delivered')) expect(d).toEqual(first!)
        await Bun.sleep(50)
        expect(y.conn.of('text').length).toBe(1)
      } finally {
        await b.close()
      }
    })

    test('leave, next and a goodbye (1000) end the chat for both; ended comes before queued', async () => {
      const { b, connect, meet } = await setup()
      try {
        for (const how of ['leave', 'next', 'goodbye'] as const) {
          const x = connect()
          const y = connect()
          await meet(x, y)
          if (how === 'goodbye') b.hubs.find(h => h.session(x.s.id))!.close(x.conn, x.s, 1000)
          else x.say({ type: how })
          const reason = how === 'next' ? 'next' : 'left'
          await eventually(() => expect(y.conn.last('ended')).toMatchObject({ by: 'stranger', reason }))
          if (how !== 'goodbye') await eventually(() => expect(x.conn.last('ended')).toMatchObject({ by: 'you', reason }))
          if (how === 'next') {
            await eventually(() => expect(x.conn.of('queued').length).toBe(2))
            const types = x.conn.frames.map(f => f.type)
            expect(types.lastIndexOf('ended')).toBeLessThan(types.lastIndexOf('queued'))
          }
        }
      } finally {
        await b.close()
      }
    })

    test('a goodbye forgets the session at once (a resume of it finds nothing); a drop holds it for the resume', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        const home = b.hubs.find(h => h.session(x.s.id))!
        const other = b.hubs[(b.hubs.indexOf(home) + 1) % b.hubs.length]!
        home.close(x.conn, x.s, 1000)
        await eventually(() => expect(y.conn.last('ended')).toMatchObject({ by: 'stranger', reason: 'left' }))
        expect(home.session(x.s.id)).toBeNull()
        // Gone from the shared store too, well before the resume window (1.5 s here) passes.
        const t = Date.now()
        for (let v = await other.lookup(x.s.id); v; v = await other.lookup(x.s.id)) await Bun.sleep(5)
        expect(Date.now() - t).toBeLessThan(1000)
        expect(await other.restore(x.s.id)).toBe(false)
        expect(await home.restore(x.s.id)).toBe(false)
        // The partner's side of the ended chat is its own: it still knows what it was in (reports, blocks).
        expect((await other.lookup(y.s.id))?.lastChat?.partnerId).toBe(x.s.id)
        // A drop, by contrast, is held and resumes.
        const z = connect()
        const w = connect()
        await meet(z, w)
        const zHome = b.hubs.find(h => h.session(z.s.id))!
        zHome.close(z.conn, z.s, 1006)
        await eventually(() => expect(w.conn.last('partner')).toMatchObject({ state: 'reconnecting' }))
        expect((await other.lookup(z.s.id))?.chat?.partnerId).toBe(w.s.id)
        expect(await b.hubs[(b.hubs.indexOf(zHome) + 1) % b.hubs.length]!.restore(z.s.id)).toBe(true)
      } finally {
        await b.close()
      }
    })

    test('a text after the chat ended is refused with not_in_chat naming the text', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        y.say({ type: 'leave' })
        await eventually(() => expect(x.conn.last('ended')).toBeDefined())
        x.say({ type: 'text', id: 'late', body: 'still there?' })
        await eventually(() => expect(x.conn.last('error')).toMatchObject({ code: 'not_in_chat', id: 'late' }))
      } finally {
        await b.close()
      }
    })

    test('a ban reaches every session of the address on every node: chats end as banned', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect('203.0.113.9')
        const y = connect()
        await meet(x, y)
        await b.hubs[b.hubs.length - 1]!.banAddress('h-203.0.113.9', 60_000, 'banned for a minute')
        await eventually(() => expect(x.conn.last('error')).toMatchObject({ code: 'banned' }))
        await eventually(() => expect(y.conn.last('ended')).toMatchObject({ by: 'stranger', reason: 'banned' }))
      } finally {
        await b.close()
      }
    })
  })

  // Seen receipts, replies and texts that never arrived. Seqs are per recipient: each
  // case checks that the sender hears of its own texts by its own client ids.
  describe(`${name}: seen, replyTo and undelivered texts`, () => {
    /** The session's socket goes without a goodbye; resolves once every node sees it gone. */
    async function drop(b: BackendUnderTest, side: Side) {
      const hub = b.hubs.find(h => h.session(side.s.id))!
      hub.close(side.conn, side.s, 1006)
      const end = Date.now() + 10_000
      while ((await b.hubs[0]!.lookup(side.s.id))?.connected !== false) {
        if (Date.now() > end) throw new Error('the dropped session still looks connected')
        await Bun.sleep(10)
      }
      return hub
    }
    /** Resumes a dropped session on the next node (the same one where there is one). */
    async function resume(b: BackendUnderTest, side: Side, from: Hub): Promise<Side> {
      const to = b.hubs[(b.hubs.indexOf(from) + 1) % b.hubs.length]!
      expect(await to.restore(side.s.id)).toBe(true)
      const conn = new FakeConnection(side.conn.info)
      const s = to.open(conn, side.s.id)
      return { conn, s, say: (frame: object) => to.message(conn, s, JSON.stringify(frame)) }
    }
    // Generous: the machine's CPU is shared, and Redis answers late under load.
    const soon = (check: () => void, ms = 10_000) => eventually(check, ms)
    const seqOf = (side: Side, body: string): number => side.conn.of('text').find(f => f.body === body)!.seq

    test('seen names the newest sender text it covers by the sender’s id, sequenced; a regress or repeat is ignored, a seq never sent refused', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        for (const id of ['m1', 'm2', 'm3']) x.say({ type: 'text', id, body: `body of ${id}` })
        await soon(() => expect(y.conn.of('text').length).toBe(3))
        y.say({ type: 'seen', seq: seqOf(y, 'body of m2') })
        await soon(() => expect(x.conn.of('seen').map(f => f.id)).toEqual(['m2']))
        // Repeats, regressions and a seen covering no new text (its own matched frame) relay nothing.
        y.say({ type: 'seen', seq: seqOf(y, 'body of m2') })
        y.say({ type: 'seen', seq: seqOf(y, 'body of m1') })
        y.say({ type: 'seen', seq: y.conn.last('matched')!.seq })
        y.say({ type: 'seen', seq: seqOf(y, 'body of m3') })
        await soon(() => expect(x.conn.of('seen').map(f => f.id)).toEqual(['m2', 'm3']))
        const latest = Math.max(...y.conn.frames.filter(f => 'seq' in f).map(f => f.seq as number))
        y.say({ type: 'seen', seq: latest + 5 })
        await soon(() => expect(y.conn.last('error')).toMatchObject({ code: 'bad_frame' }))
        expect(y.conn.last('error')!.message).toContain('seen')
        await Bun.sleep(50)
        expect(x.conn.of('seen').length).toBe(2)
        // `seen` is sequenced: x's stream keeps one seq per frame with no gap.
        const seqs = x.conn.frames.filter(f => 'seq' in f).map(f => f.seq as number)
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
        // The second seen came after the last receipt it covers.
        const types = x.conn.frames.map(f => (f.type === 'delivered' || f.type === 'seen' ? `${f.type}:${f.id}` : f.type))
        expect(types.indexOf('delivered:m3')).toBeLessThan(types.indexOf('seen:m3'))
      } finally {
        await b.close()
      }
    })

    test('a seen after a resume reaches the sender, and the sender’s missed seen is replayed to it', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        x.say({ type: 'text', id: 'a1', body: 'hello' })
        await soon(() => expect(x.conn.of('delivered').length).toBe(1))
        const from = await drop(b, x)
        y.say({ type: 'seen', seq: seqOf(y, 'hello') })
        const back = await resume(b, x, from)
        await soon(() => expect(back.conn.of('seen').map(f => f.id)).toEqual(['a1']))
      } finally {
        await b.close()
      }
    })

    test('replyTo: the quoted text reaches its sender as its own client id; a seq that is not a stranger text of this chat is dropped', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        x.say({ type: 'text', id: 'q1', body: 'quote me' })
        await soon(() => expect(y.conn.of('text').length).toBe(1))
        y.say({ type: 'text', id: 'r1', body: 'a reply', replyTo: seqOf(y, 'quote me') })
        await soon(() => expect(x.conn.last('text')).toMatchObject({ body: 'a reply', replyTo: { id: 'q1' } }))
        // Its own receipt's seq, its matched frame, a seq far ahead: relayed without the field.
        await soon(() => expect(y.conn.of('delivered').length).toBe(1))
        const notTexts = [y.conn.last('delivered')!.seq, y.conn.last('matched')!.seq, 10_000]
        notTexts.forEach((replyTo, i) => y.say({ type: 'text', id: `r${i + 2}`, body: `plain ${i}`, replyTo }))
        await soon(() => expect(x.conn.of('text').length).toBe(4))
        for (const f of x.conn.of('text').slice(1)) expect(f).not.toHaveProperty('replyTo')
        expect(y.conn.of('error')).toEqual([])
      } finally {
        await b.close()
      }
    })

    test('a text sent while the partner is away gets its delivered only when the partner is back; a resend meanwhile is not relayed twice', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        const from = await drop(b, y)
        x.say({ type: 'text', id: 'w1', body: 'are you there?' })
        x.say({ type: 'text', id: 'w1', body: 'are you there?' })
        await Bun.sleep(300)
        expect(x.conn.of('delivered')).toEqual([])
        expect(x.conn.of('error')).toEqual([])
        const back = await resume(b, y, from)
        await soon(() => expect(x.conn.of('delivered').map(f => f.id)).toEqual(['w1']))
        await soon(() => expect(back.conn.of('text').map(f => f.body)).toEqual(['are you there?']))
        await Bun.sleep(50)
        expect(back.conn.of('text').length).toBe(1)
      } finally {
        await b.close()
      }
    })

    test('a partner who times out: the sender’s ended lists the texts its client never acknowledged nor saw', async () => {
      const { b, connect, meet } = await setup()
      try {
        const x = connect()
        const y = connect()
        await meet(x, y)
        for (const id of ['acked', 'seen', 'unacked']) x.say({ type: 'text', id, body: `text ${id}` })
        await soon(() => expect(y.conn.of('text').length).toBe(3))
        y.say({ type: 'ack', seq: seqOf(y, 'text acked') })
        y.say({ type: 'seen', seq: seqOf(y, 'text seen') })
        // `unacked` reached y's socket (x was told delivered) but y never confirmed it.
        await soon(() => expect(x.conn.of('delivered').length).toBe(3))
        await drop(b, y)
        x.say({ type: 'text', id: 'lost', body: 'sent while away' })
        await soon(() => expect(x.conn.last('ended')).toMatchObject({ by: 'server', reason: 'timeout' }), 15_000)
        expect(x.conn.last('ended')!.undelivered).toEqual(['unacked', 'lost'])
        expect(x.conn.of('delivered').map(f => f.id)).toEqual(['acked', 'seen', 'unacked'])
      } finally {
        await b.close()
      }
    })
  })
}
