// The bad-input suite's cases for `seen` and `text.replyTo`, in the same shape as
// bad-input.test.ts: each hostile input gets its documented answer on a socket that stays open,
// nothing reaches the partner that should not, a fresh pair can still meet and chat afterwards,
// no session or connection is left behind, and the heap returns to roughly where it started.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { ErrorCode } from '../../api/chat/protocol'
import { startTestApp, type TestApp } from '../support/app'
import { healthyPair, meet, person } from '../support/people'
import type { TestClient } from '../support/ws-client'
import { drained, HEAP_SLACK_BYTES, heapUsed } from '../support/leaks'

let app: TestApp
let baseline = 0

beforeAll(async () => {
  app = await startTestApp({ RESUME_WINDOW_MS: '100', MATCH_FALLBACK_MS: '60000' })
  for (let i = 0; i < 3; i++) await healthyPair(app)
  await drained(app)
  baseline = await heapUsed()
})
afterAll(() => app.close())

async function chatting(fn: (a: TestClient, b: TestClient) => Promise<void>) {
  const a = await person(app)
  const b = await person(app)
  try {
    await meet(a, b)
    await fn(a, b)
  } finally {
    for (const c of [a, b]) if (!c.closed) c.close()
    await Promise.all([a.waitClose(), b.waitClose()])
  }
}

/** Sends `frame` and expects exactly one `error` with `code` (and `id`, when given), the socket open. */
async function refused(c: TestClient, frame: unknown, code: ErrorCode, id?: string) {
  const mark = c.mark()
  c.send(frame)
  const e = await c.after(mark, 'error')
  expect({ frame, code: e.code, id: e.id }).toEqual({ frame, code, id })
  expect(e.message.length).toBeGreaterThan(0)
  expect(c.since(mark).filter(f => f.type === 'error').length).toBe(1)
  expect(c.closed).toBeNull()
}

const BAD_SEQS: unknown[] = ['3', -1, 1.5, 1e300, 2 ** 53, Number.MAX_VALUE, null, true, [1], { n: 1 }]

const cases: Array<[string, () => Promise<void>]> = [
  [
    'seen with a string, negative, float, huge or missing seq',
    () =>
      chatting(async (a, b) => {
        a.send({ type: 'text', id: 't', body: 'hello' })
        await b.next('text')
        for (const seq of BAD_SEQS) await refused(b, { type: 'seen', seq }, 'bad_frame')
        await refused(b, { type: 'seen' }, 'bad_frame')
        await refused(b, '{"type":"seen","seq":1e400}', 'bad_frame')
        // None of them told the sender anything.
        expect(await a.nothing('seen', 100)).toBe(true)
      }),
  ],
  [
    'seen beyond what was sent is refused; a regress or repeat is ignored',
    () =>
      chatting(async (a, b) => {
        a.send({ type: 'text', id: 't1', body: 'one' })
        a.send({ type: 'text', id: 't2', body: 'two' })
        await b.next('text')
        await b.next('text')
        await refused(b, { type: 'seen', seq: b.lastSeq() + 1 }, 'bad_frame')
        b.send({ type: 'seen', seq: b.lastSeq() })
        expect((await a.next('seen')).id).toBe('t2')
        const mark = b.mark()
        b.send({ type: 'seen', seq: b.lastSeq() })
        b.send({ type: 'seen', seq: 1 })
        b.send({ type: 'seen', seq: 0 })
        expect(await a.nothing('seen', 150)).toBe(true)
        expect(b.since(mark).filter(f => f.type === 'error')).toEqual([])
      }),
  ],
  [
    'a flood of seen frames: rate-limited, at most one relayed seen per text, the server keeps going',
    () =>
      chatting(async (a, b) => {
        a.send({ type: 'text', id: 'f1', body: 'flood me' })
        await b.next('text')
        const top = b.lastSeq()
        for (let i = 0; i < 300; i++) b.send({ type: 'seen', seq: i % (top + 1) })
        await b.next('error', 5000)
        expect(b.all('error').every(e => e.code === 'rate_limited')).toBe(true)
        await Bun.sleep(200)
        expect(a.all('seen').length).toBeLessThanOrEqual(1)
      }),
  ],
  [
    'seen outside a chat does nothing',
    () =>
      person(app).then(async c => {
        c.send({ type: 'seen', seq: 0 })
        expect(await c.nothing('error', 150)).toBe(true)
        c.close()
        await c.waitClose()
      }),
  ],
  [
    'text with a bad replyTo is refused naming the text; nothing reaches the partner',
    () =>
      chatting(async (a, b) => {
        a.send({ type: 'text', id: 'q', body: 'quote me' })
        await b.next('text')
        let n = 0
        for (const replyTo of [...BAD_SEQS, 0]) await refused(b, { type: 'text', id: `r${++n}`, body: 'reply', replyTo }, 'bad_frame', `r${n}`)
        expect(await a.nothing('text', 100)).toBe(true)
      }),
  ],
  [
    'text with a replyTo that names nothing of this chat is relayed without it',
    () =>
      chatting(async (a, b) => {
        a.send({ type: 'text', id: 'q', body: 'quote me' })
        await b.next('text')
        // (Bodies without the numbers: a long one reads as a phone number to the spam screen.)
        let n = 0
        for (const replyTo of [b.all('matched')[0]!.seq, 123_456, Number.MAX_SAFE_INTEGER]) {
          b.send({ type: 'text', id: `x${++n}`, body: `reply number ${'i'.repeat(n)}`, replyTo })
          const t = await a.next('text')
          expect(t.body).toBe(`reply number ${'i'.repeat(n)}`)
          expect(t).not.toHaveProperty('replyTo')
        }
        expect(b.all('error')).toEqual([])
      }),
  ],
]

for (const [name, run] of cases) {
  test(name, async () => {
    await run()
    await healthyPair(app)
    await drained(app)
    expect((await heapUsed()) - baseline).toBeLessThan(HEAP_SLACK_BYTES)
  })
}
